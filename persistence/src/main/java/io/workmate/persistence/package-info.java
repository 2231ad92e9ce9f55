/**
 * The journal every event-sourced entity of Workmate writes to: pekko-persistence-jdbc on an
 * embedded H2 file (one process) or PostgreSQL (a cluster), with Jackson CBOR for everything
 * persisted.
 *
 * <p>Start-up, in this order: {@link io.workmate.persistence.JournalSettings#fromConfig read the
 * settings}, create the ActorSystem with {@code JournalConfig.overlay(settings).withFallback(config)},
 * then {@link io.workmate.persistence.JournalStartup#start create the tables} before the first
 * entity starts. Events, snapshots (state records) and messages between nodes implement
 * {@link io.workmate.persistence.CborSerializable}.
 */
package io.workmate.persistence;
