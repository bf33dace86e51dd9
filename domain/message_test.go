package domain_test

import (
	"testing"
	"time"

	"github.com/scanpay/scanpay/domain"
)

// A message is claimed once per send, never after it settled; a claim
// holds off other runs for the lease only; the fifth failed attempt gives
// it up.
func TestShopperMessageLife(t *testing.T) {
	now := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	m := domain.NewShopperMessage(1, 2, 3, domain.MessagePaymentSuccess, now)
	for attempt := 1; attempt <= domain.MaxMessageAttempts; attempt++ {
		if err := m.Begin(now, time.Minute); err != nil || m.Status != domain.MessageSending || m.Attempts != attempt {
			t.Fatalf("attempt %d: Begin = %v, status %s, attempts %d", attempt, err, m.Status, m.Attempts)
		}
		if err := m.Begin(now.Add(59*time.Second), time.Minute); domain.ErrorReason(err) != "message_in_flight" {
			t.Fatalf("attempt %d: second claim within the lease = %v", attempt, err)
		}
		gaveUp := m.MarkRetry(-1, "busy", now)
		if want := attempt == domain.MaxMessageAttempts; gaveUp != want {
			t.Fatalf("attempt %d: gave up %v, want %v", attempt, gaveUp, want)
		}
		now = now.Add(time.Second)
	}
	if m.Status != domain.MessageFailed || m.ErrCode != -1 || !m.Settled() {
		t.Fatalf("after %d attempts: %+v", domain.MaxMessageAttempts, m)
	}
	if err := m.Begin(now, time.Minute); domain.ErrorReason(err) != "message_settled" {
		t.Fatalf("Begin on a failed message = %v", err)
	}

	stale := domain.NewShopperMessage(1, 2, 3, domain.MessagePaymentSuccess, now)
	if err := stale.Begin(now, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := stale.Begin(now.Add(time.Minute), time.Minute); err != nil || stale.Attempts != 2 {
		t.Fatalf("a claim past its lease is taken over: %v, attempts %d", err, stale.Attempts)
	}
	stale.MarkRefused(43101, "refused", now)
	if !stale.Settled() || stale.Begin(now.Add(time.Hour), time.Minute) == nil {
		t.Fatalf("refused message claimed again: %+v", stale)
	}
}

// A run that made the last allowed send and died mid-way is not taken
// over: that would be a sixth send. The message is given up instead.
func TestShopperMessageTakeoverOfTheLastAttemptGivesUp(t *testing.T) {
	now := time.Date(2026, 11, 26, 6, 0, 0, 0, time.UTC)
	m := domain.NewShopperMessage(1, 2, 3, domain.MessagePaymentSuccess, now)
	for attempt := 1; attempt < domain.MaxMessageAttempts; attempt++ {
		if err := m.Begin(now, time.Minute); err != nil {
			t.Fatal(err)
		}
		m.MarkRetry(-1, "busy", now)
	}
	if err := m.Begin(now, time.Minute); err != nil || m.Attempts != domain.MaxMessageAttempts {
		t.Fatalf("last claim: %v, attempts %d", err, m.Attempts)
	}
	// Its run dies; a minute later another run comes.
	if err := m.Begin(now.Add(2*time.Minute), time.Minute); err != nil {
		t.Fatal(err)
	}
	if m.Status != domain.MessageFailed || !m.Settled() || m.Attempts != domain.MaxMessageAttempts {
		t.Fatalf("takeover of the last attempt: %+v", m)
	}
}
