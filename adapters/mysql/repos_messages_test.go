package mysql_test

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/scanpay/scanpay/adapters/mysql"
	"github.com/scanpay/scanpay/adapters/mysql/mysqltest"
	"github.com/scanpay/scanpay/domain"
)

// A message is made once per (order, kind) and saved with every field its
// outcome sets; a kind or order of its own is another message.
func TestMessageRepoUpdate(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewMessageRepo(db)
		ctx := context.Background()
		_, err := repo.MessageOf(ctx, 7, domain.MessagePaymentSuccess)
		wantCode(t, err, domain.ENOTFOUND, "message_not_found")

		fresh := domain.NewShopperMessage(1, 7, 70, domain.MessagePaymentSuccess, repoNow)
		m, err := repo.UpdateMessage(ctx, fresh, func(m *domain.ShopperMessage) error { return m.Begin(repoNow, time.Minute) })
		if err != nil || m.ID != 1 || m.Status != domain.MessageSending || m.Attempts != 1 {
			t.Fatalf("first UpdateMessage = %+v %v", m, err)
		}
		later := repoNow.Add(time.Second)
		again := domain.NewShopperMessage(2, 7, 70, domain.MessagePaymentSuccess, later)
		m, err = repo.UpdateMessage(ctx, again, func(m *domain.ShopperMessage) error {
			m.MarkRefused(43101, "wechat subscribe_send: errcode 43101: user refuse to accept the msg", later)
			return nil
		})
		if err != nil || m.ID != 1 {
			t.Fatalf("second UpdateMessage = %+v %v (want the first row)", m, err)
		}
		got, err := repo.MessageOf(ctx, 7, domain.MessagePaymentSuccess)
		if err != nil {
			t.Fatal(err)
		}
		if got.ID != 1 || got.ShopperID != 70 || got.Status != domain.MessageRefused || got.ErrCode != 43101 ||
			got.Attempts != 1 || got.Detail == "" {
			t.Errorf("stored %+v", got)
		}
		sameTime(t, "created_at", got.CreatedAt, repoNow)
		sameTime(t, "updated_at", got.UpdatedAt, later)

		// fn's error rolls back, the insert of a new message included.
		other := domain.NewShopperMessage(3, 8, 70, domain.MessagePaymentSuccess, repoNow)
		_, err = repo.UpdateMessage(ctx, other, func(m *domain.ShopperMessage) error {
			m.MarkSent(later)
			return domain.Errorf(domain.ECONFLICT, "nope", "no")
		})
		wantCode(t, err, domain.ECONFLICT, "nope")
		_, err = repo.MessageOf(ctx, 8, domain.MessagePaymentSuccess)
		wantCode(t, err, domain.ENOTFOUND, "message_not_found")

		// A long detail is cut to the column.
		long := domain.NewShopperMessage(4, 9, 70, domain.MessagePaymentSuccess, repoNow)
		if _, err := repo.UpdateMessage(ctx, long, func(m *domain.ShopperMessage) error {
			m.MarkFailed(40037, string(make([]rune, 600)), later)
			return nil
		}); err != nil {
			t.Fatalf("long detail: %v", err)
		}
	})
}

// Runs racing on a new message all end on one row, one after the other:
// exactly one claims it.
func TestMessageRepoClaimRace(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewMessageRepo(db)
		ctx := context.Background()
		var claimed atomic.Int32
		var wg sync.WaitGroup
		for i := range 8 {
			wg.Go(func() {
				fresh := domain.NewShopperMessage(int64(100+i), 7, 70, domain.MessagePaymentSuccess, repoNow)
				_, err := repo.UpdateMessage(ctx, fresh, func(m *domain.ShopperMessage) error {
					return m.Begin(repoNow, time.Minute)
				})
				switch domain.ErrorReason(err) {
				case "":
					claimed.Add(1)
				case "message_in_flight":
				default:
					t.Errorf("run %d: %v", i, err)
				}
			})
		}
		wg.Wait()
		if n := claimed.Load(); n != 1 {
			t.Fatalf("%d runs claimed the message, want 1", n)
		}
		m, err := repo.MessageOf(ctx, 7, domain.MessagePaymentSuccess)
		if err != nil || m.Attempts != 1 {
			t.Fatalf("message %+v %v", m, err)
		}
	})
}

// The receipt row reads back once issued; before, receipt_not_issued.
func TestReceiptOfOrder(t *testing.T) {
	mysqltest.Each(t, func(t *testing.T, db *mysql.DB) {
		repo := mysql.NewPaymentRepo(db)
		ctx := context.Background()
		_, err := repo.ReceiptOfOrder(ctx, 7)
		wantCode(t, err, domain.ENOTFOUND, "receipt_not_issued")
		if _, err := repo.IssueReceipt(ctx, 11, 7, "SP7", repoNow); err != nil {
			t.Fatal(err)
		}
		r, err := repo.ReceiptOfOrder(ctx, 7)
		if err != nil || r.ID != 11 || r.OrderID != 7 || r.OrderNo != "SP7" {
			t.Fatalf("ReceiptOfOrder = %+v %v", r, err)
		}
		sameTime(t, "issued_at", r.IssuedAt, repoNow)
	})
}
