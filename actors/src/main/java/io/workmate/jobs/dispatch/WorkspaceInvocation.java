package io.workmate.jobs.dispatch;

import io.workmate.agents.Agent;
import io.workmate.jobs.JobLedger;
import io.workmate.jobs.JobOp;
import io.workmate.jobs.JobReply;
import io.workmate.jobs.JobWorkspace;
import io.workmate.jobs.WorkspaceSpec;
import io.workmate.workspaces.Workspaces;
import java.util.List;
import org.apache.pekko.actor.typed.ActorRef;
import org.apache.pekko.actor.typed.Behavior;
import org.apache.pekko.actor.typed.javadsl.ActorContext;
import org.apache.pekko.actor.typed.javadsl.Behaviors;

/**
 * The agent of one attempt of a job with a workspace, as its {@link JobAttempt} sees it: it
 * speaks the {@link Agent} protocol, and around the real agent's invocation it makes the
 * attempt's clean worktree (recording the branch and base on the job the first time), runs the
 * invocation with the worktree as its working directory, and on success commits what the agent
 * left, records the head and the changed files on the job, and only then reports the success.
 * A failed or interrupted invocation leaves the worktree as it is, for inspection (the
 * {@link Workspaces} sweep removes it later; the next attempt resets it).
 *
 * <pre>
 * preparing ──worktree──▶ recordingBase ──stored──▶ running ──succeeded──▶ committing
 *     │                                                │ failed                 │ committed
 *     ▼ (failed or interrupted)                        ▼                        ▼
 *   Finished                                        Finished            recordingHead → Finished
 * </pre>
 */
final class WorkspaceInvocation {

  private static final long RECORD_OP = 11;

  private record WorktreeReady(Workspaces.Prepared prepared) implements Agent.Command {}

  private record FromAgent(Agent.Update update) implements Agent.Command {}

  private record ChangesCommitted(Workspaces.Committed committed) implements Agent.Command {}

  private record LedgerAnswered(JobLedger.Answered answered) implements Agent.Command {}

  /**
   * @param recorded the workspace the job has recorded so far (null before its first attempt)
   */
  static Behavior<Agent.Command> create(String jobId, WorkspaceSpec spec, JobWorkspace recorded,
      ActorRef<Agent.Command> agent, ActorRef<JobLedger.Command> ledger,
      ActorRef<Workspaces.Command> workspaces) {
    return Behaviors.setup(context -> new WorkspaceInvocation(context, jobId, spec, recorded,
        agent, ledger, workspaces).idle());
  }

  private final ActorContext<Agent.Command> context;
  private final String jobId;
  private final WorkspaceSpec spec;
  private final JobWorkspace recorded;
  private final ActorRef<Agent.Command> agent;
  private final ActorRef<JobLedger.Command> ledger;
  private final ActorRef<Workspaces.Command> workspaces;
  private final String branch;
  private final ActorRef<JobLedger.Answered> ledgerAnswers;
  private Agent.Invoke invoke;

  private WorkspaceInvocation(ActorContext<Agent.Command> context, String jobId,
      WorkspaceSpec spec, JobWorkspace recorded, ActorRef<Agent.Command> agent,
      ActorRef<JobLedger.Command> ledger, ActorRef<Workspaces.Command> workspaces) {
    this.context = context;
    this.jobId = jobId;
    this.spec = spec;
    this.recorded = recorded;
    this.agent = agent;
    this.ledger = ledger;
    this.workspaces = workspaces;
    this.branch = recorded != null ? recorded.branch() : spec.branchOf(jobId);
    this.ledgerAnswers = context.messageAdapter(JobLedger.Answered.class, LedgerAnswered::new);
  }

  private String baseCommit() {
    return recorded != null ? recorded.baseCommit() : spec.baseCommit();
  }

  private Behavior<Agent.Command> idle() {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof Agent.Invoke start) {
        invoke = start;
        workspaces.tell(new Workspaces.Prepare(jobId, spec.repo(), branch, baseCommit(),
            context.messageAdapter(Workspaces.Prepared.class, WorktreeReady::new)));
        return preparing(false);
      }
      return Behaviors.same();
    });
  }

  // ---- preparing: git makes or resets the worktree ----

  private Behavior<Agent.Command> preparing(boolean interrupted) {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof Agent.Interrupt) {
        return preparing(true);
      } else if (message instanceof Agent.Decide decide) {
        decide.replyTo().tell(new Agent.Decided(false, "no approval is pending"));
        return Behaviors.same();
      } else if (message instanceof WorktreeReady ready) {
        if (ready.prepared().error() != null) {
          return finish(Agent.Outcome.FAILED, ready.prepared().error());
        }
        if (interrupted) {
          return finish(Agent.Outcome.INTERRUPTED, "interrupted before it started");
        }
        String worktree = ready.prepared().worktree().toString();
        if (recorded != null) {
          return invokeIn(worktree);
        }
        record(new JobWorkspace(spec.repo(), branch, baseCommit(), null, List.of()));
        return recordingBase(worktree, false);
      }
      return Behaviors.same();
    });
  }

  private Behavior<Agent.Command> recordingBase(String worktree, boolean interrupted) {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof Agent.Interrupt) {
        return recordingBase(worktree, true);
      } else if (message instanceof LedgerAnswered answered) {
        if (answered.answered().reply() instanceof JobReply.Current) {
          return interrupted ? finish(Agent.Outcome.INTERRUPTED, "interrupted before it started")
              : invokeIn(worktree);
        }
        return finish(Agent.Outcome.FAILED, "the job's workspace was not recorded: "
            + describe(answered.answered()));
      }
      return Behaviors.same();
    });
  }

  // ---- running: the real agent works in the worktree ----

  private Behavior<Agent.Command> invokeIn(String worktree) {
    return invokeIn(worktree, spec.resumeThreadId());
  }

  /**
   * @param resume the thread to continue (a follow-up's first try), or null; when codex cannot
   *     resume it (the thread is gone) the prompt runs once more on a fresh thread, under an
   *     invocation id of its own (the agent may not have forgotten the first one yet), which
   *     the updates are mapped back from
   */
  private Behavior<Agent.Command> invokeIn(String worktree, String resume) {
    Agent.Invocation invocation = invoke.invocation();
    String agentSideId = resume == null && spec.resumeThreadId() != null
        ? invocation.id() + "~fresh" : invocation.id();
    agent.tell(new Agent.Invoke(new Agent.Invocation(agentSideId, invocation.prompt(),
        worktree, invocation.approvalPolicy(), invocation.timeout(), resume),
        context.messageAdapter(Agent.Update.class, FromAgent::new)));
    return Behaviors.receiveMessage(message -> {
      if (message instanceof Agent.Interrupt) {
        agent.tell(new Agent.Interrupt(agentSideId));
      } else if (message instanceof Agent.Decide decide) {
        agent.tell(new Agent.Decide(agentSideId, decide.approvalId(), decide.decision(),
            decide.replyTo()));
      } else if (message instanceof FromAgent from) {
        Agent.Update update = withId(from.update(), invocation.id());
        if (resume != null && update instanceof Agent.Update.Finished finished
            && finished.outcome() == Agent.Outcome.FAILED && finished.error() != null
            && finished.error().contains("resume")) {
          context.getLog().info("job {}: thread {} could not be resumed ({}); a fresh thread",
              jobId, resume, finished.error());
          return invokeIn(worktree, null);
        }
        if (update instanceof Agent.Update.Finished finished
            && finished.outcome() == Agent.Outcome.SUCCEEDED) {
          workspaces.tell(new Workspaces.Commit(jobId, spec.repo(), baseCommit(),
              context.messageAdapter(Workspaces.Committed.class, ChangesCommitted::new)));
          return committing(finished);
        }
        invoke.replyTo().tell(update);
        if (update instanceof Agent.Update.Finished) {
          return Behaviors.stopped();
        }
      }
      return Behaviors.same();
    });
  }

  /** The update as the attempt knows its invocation: under {@code id}. */
  private static Agent.Update withId(Agent.Update update, String id) {
    if (update.invocationId().equals(id)) {
      return update;
    }
    if (update instanceof Agent.Update.Started started) {
      return new Agent.Update.Started(id, started.threadId());
    } else if (update instanceof Agent.Update.Item item) {
      return new Agent.Update.Item(id, item.type(), item.data());
    } else if (update instanceof Agent.Update.ApprovalRequested requested) {
      return new Agent.Update.ApprovalRequested(id, requested.approval());
    } else if (update instanceof Agent.Update.ApprovalResolved resolved) {
      return new Agent.Update.ApprovalResolved(id, resolved.approvalId(), resolved.decision());
    }
    Agent.Update.Finished finished = (Agent.Update.Finished) update;
    return new Agent.Update.Finished(id, finished.outcome(), finished.text(), finished.error(),
        finished.end());
  }

  // ---- committing: the agent succeeded; its changes go on the branch ----

  private Behavior<Agent.Command> committing(Agent.Update.Finished succeeded) {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof ChangesCommitted done) {
        Workspaces.Committed committed = done.committed();
        if (committed.error() != null) {
          return finish(Agent.Outcome.FAILED, committed.error());
        }
        record(new JobWorkspace(spec.repo(), branch, baseCommit(), committed.headCommit(),
            committed.files().stream().map(file -> new JobWorkspace.ChangedFile(file.path(),
                file.added(), file.removed())).toList()));
        return recordingHead(succeeded);
      } else if (message instanceof Agent.Decide decide) {
        decide.replyTo().tell(new Agent.Decided(false, "the turn has ended"));
      }
      return Behaviors.same();
    });
  }

  private Behavior<Agent.Command> recordingHead(Agent.Update.Finished succeeded) {
    return Behaviors.receiveMessage(message -> {
      if (message instanceof LedgerAnswered answered) {
        if (answered.answered().reply() instanceof JobReply.Current) {
          invoke.replyTo().tell(succeeded);
          return Behaviors.stopped();
        }
        return finish(Agent.Outcome.FAILED, "the job's commit was not recorded: "
            + describe(answered.answered()));
      }
      return Behaviors.same();
    });
  }

  private void record(JobWorkspace workspace) {
    ledger.tell(new JobLedger.Apply(jobId, new JobOp.RecordWorkspace(workspace), RECORD_OP,
        ledgerAnswers));
  }

  private Behavior<Agent.Command> finish(Agent.Outcome outcome, String error) {
    invoke.replyTo().tell(new Agent.Update.Finished(invoke.invocation().id(), outcome, null,
        error));
    return Behaviors.stopped();
  }

  private static String describe(JobLedger.Answered answered) {
    return answered.reply() != null ? answered.reply().toString() : answered.failure();
  }
}
