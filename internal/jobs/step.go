package jobs

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// Stepping: tests and the deterministic simulation move a clock themselves
// and want the jobs due at that moment run now, in a known order, on the
// calling goroutine. These do, on the same River tables and through the
// same driver operations River's own services use (schedule, rescue, claim,
// set state), so a job stepped here and one worked by Run go through the
// same states.

// stepClient names the claims made by stepping in River's attempted_by.
const stepClient = "shebao-step"

// RunDue runs the jobs due now once and returns how many it ran.
func (r *Runner) RunDue(ctx context.Context) int {
	js, err := r.Claim(ctx, 32)
	if err != nil {
		if ctx.Err() == nil {
			r.log.ErrorContext(ctx, "claim jobs", "err", err)
		}
		return 0
	}
	for _, j := range js {
		if err := r.Record(ctx, j, r.run(ctx, j)); err != nil && ctx.Err() == nil {
			r.log.ErrorContext(ctx, "record job outcome", "kind", j.Kind, "ref", j.Ref, "err", err)
		}
	}
	return len(js)
}

// Claim makes due scheduled jobs available, rescues jobs running for longer
// than the lease (their worker died), and claims up to limit due jobs, oldest
// first. The caller runs them and records each outcome with Record; a job
// never recorded is rescued once the lease has passed.
func (r *Runner) Claim(ctx context.Context, limit int) ([]Job, error) {
	exec := r.driver.GetExecutor()
	now := r.clock.Now().UTC()
	if err := r.rescue(ctx, exec, now); err != nil {
		return nil, err
	}
	if _, err := exec.JobSchedule(ctx, &riverdriver.JobScheduleParams{Max: 1000, Now: &now}); err != nil {
		return nil, fmt.Errorf("jobs: schedule: %w", err)
	}
	res, err := exec.JobGetAvailable(ctx, &riverdriver.JobGetAvailableParams{
		ClientID: stepClient, MaxAttemptedBy: 100, MaxToLock: limit, Now: &now, Queue: river.QueueDefault,
	})
	if err != nil {
		return nil, fmt.Errorf("jobs: claim: %w", err)
	}
	out := make([]Job, 0, len(res.Jobs))
	for _, row := range res.Jobs {
		var a args
		if err := json.Unmarshal(row.EncodedArgs, &a); err != nil {
			return nil, fmt.Errorf("jobs: job %d args: %w", row.ID, err)
		}
		out = append(out, fromRow(row, a.Ref))
	}
	return out, nil
}

// rescue does what River's job rescuer does: a job running since before
// now-lease goes back to be retried, at once (its worker died; the work
// itself did not fail).
func (r *Runner) rescue(ctx context.Context, exec riverdriver.Executor, now time.Time) error {
	horizon := now.Add(-r.lease)
	stuck, err := exec.JobGetStuck(ctx, &riverdriver.JobGetStuckParams{Max: 1000, StuckHorizon: horizon})
	if err != nil || len(stuck) == 0 {
		return wrap("find stuck jobs", err)
	}
	p := riverdriver.JobRescueManyParams{StuckHorizon: horizon}
	for _, row := range stuck {
		e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: row.Attempt, Error: "worker died: job rescued after its lease"})
		if err != nil {
			return wrap("rescue", err)
		}
		p.ID = append(p.ID, row.ID)
		p.Error = append(p.Error, e)
		p.FinalizedAt = append(p.FinalizedAt, nil)
		p.ScheduledAt = append(p.ScheduledAt, now)
		p.State = append(p.State, string(rivertype.JobStateRetryable))
	}
	_, err = exec.JobRescueMany(ctx, &p)
	return wrap("rescue", err)
}

// Record sets a claimed job's state from its handler's outcome: completed,
// snoozed until RetryAt (not counted as an attempt), or retryable after
// Backoff with the error kept on the job.
func (r *Runner) Record(ctx context.Context, j Job, outcome error) error {
	now := r.clock.Now().UTC()
	var p *riverdriver.JobSetStateIfRunningParams
	var retry RetryAt
	switch {
	case outcome == nil:
		p = riverdriver.JobSetStateCompleted(j.ID, now, nil)
	case errors.As(outcome, &retry):
		// As River's executor does: the attempt is given back and the
		// snooze counted in the metadata.
		m, err := json.Marshal(map[string]int64{"snoozes": j.snoozes + 1})
		if err != nil {
			return wrap("record", err)
		}
		p = riverdriver.JobSetStateSnoozed(j.ID, retry.At.UTC(), j.Attempts-1, m)
	default:
		e, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempts, Error: outcome.Error()})
		if err != nil {
			return wrap("record", err)
		}
		p = riverdriver.JobSetStateErrorRetryable(j.ID, now.Add(Backoff(j.Attempts)), e, nil)
	}
	_, err := r.driver.GetExecutor().JobSetStateIfRunningMany(ctx, &riverdriver.JobSetStateIfRunningManyParams{
		ID: []int64{p.ID}, Attempt: []*int{p.Attempt}, ErrData: [][]byte{p.ErrData}, FinalizedAt: []*time.Time{p.FinalizedAt},
		MetadataDoMerge: []bool{p.MetadataDoMerge}, MetadataUpdates: [][]byte{p.MetadataUpdates}, Now: &now,
		ScheduledAt: []*time.Time{p.ScheduledAt}, State: []rivertype.JobState{p.State},
	})
	return wrap("record", err)
}

func wrap(what string, err error) error {
	if err == nil {
		return nil
	}
	return fmt.Errorf("jobs: %s: %w", what, err)
}
