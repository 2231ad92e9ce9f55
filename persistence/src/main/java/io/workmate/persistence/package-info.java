/**
 * Event-sourced state and journal setup. The journal (embedded H2 by default, PostgreSQL for a
 * cluster) arrives with the task-queue and memory issues; the module exists now so the reactor's
 * layout and dependency direction are fixed from the start.
 */
package io.workmate.persistence;
