package store_test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
	"github.com/opora-project/opora/internal/webhook"
)

// A КДН's system is told of a new signal by a signed POST: the receiver
// fails twice (500, then no answer in time), the message is retried after
// one and five minutes of the injected clock and delivered on the third
// try with the same delivery id; the body names no one; the school's own
// webhook, for task changes only, gets nothing; a stopped webhook gets no
// new messages; the delivery log shows the attempts.
func TestWebhookDeliveryRetries(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		var mu sync.Mutex
		type hit struct {
			body                 []byte
			sig, event, delivery string
		}
		var hits []hit
		fail := 2
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			b, _ := io.ReadAll(r.Body)
			mu.Lock()
			hits = append(hits, hit{b, r.Header.Get(opora.WebhookSignatureHeader), r.Header.Get(opora.WebhookEventHeader),
				r.Header.Get(opora.WebhookDeliveryHeader)})
			f := fail
			fail--
			mu.Unlock()
			switch f {
			case 2:
				http.Error(w, "busy", http.StatusInternalServerError)
			case 1:
				time.Sleep(300 * time.Millisecond) // longer than the poster waits
			}
		}))
		defer srv.Close()
		s.UseWebhooks(webhook.New(100 * time.Millisecond))

		if _, err := s.CreateWebhook(n.kdn.Ctx(), &opora.Webhook{URL: "ftp://x"}); opora.FieldErrors(err)["url"] == "" ||
			opora.FieldErrors(err)["events"] == "" {
			t.Errorf("a bad webhook: %v", err)
		}
		secret, err := s.CreateWebhook(n.kdn.Ctx(), &opora.Webhook{URL: srv.URL + "/opora", Events: []opora.WebhookEvent{opora.EventSignalCreated}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateWebhook(n.school.Ctx(), &opora.Webhook{URL: srv.URL + "/school", Events: []opora.WebhookEvent{opora.EventTaskStatus}}); err != nil {
			t.Fatal(err)
		}
		sg := schoolSignal(s, n.north)
		if err := s.RegisterSignal(n.tchCtx, sg); err != nil {
			t.Fatal(err)
		}

		base := time.Now()
		clock := base
		s.Now = func() time.Time { return clock }
		run := func() store.JobReport {
			t.Helper()
			r, err := s.RunDueJobs(n.kdn.Ctx(), nil)
			if err != nil {
				t.Fatal(err)
			}
			return r
		}
		if r := run(); r.WebhooksSent != 0 || r.WebhooksFailed != 1 {
			t.Fatalf("first try: %+v", r)
		}
		if r := run(); r.WebhooksFailed != 0 || r.WebhooksSent != 0 {
			t.Errorf("retried before its minute: %+v", r)
		}
		clock = base.Add(61 * time.Second)
		if r := run(); r.WebhooksFailed != 1 {
			t.Fatalf("second try: %+v", r)
		}
		clock = base.Add(3 * time.Minute)
		if r := run(); r.WebhooksSent+r.WebhooksFailed != 0 {
			t.Errorf("retried before five minutes: %+v", r)
		}
		clock = base.Add(7 * time.Minute)
		if r := run(); r.WebhooksSent != 1 {
			t.Fatalf("third try: %+v", r)
		}
		if r := run(); r.WebhooksSent+r.WebhooksFailed != 0 {
			t.Errorf("sent again after delivery: %+v", r)
		}

		mu.Lock()
		defer mu.Unlock()
		if len(hits) != 3 {
			t.Fatalf("receiver got %d posts", len(hits))
		}
		last := hits[2]
		if last.event != "signal.created" || last.delivery != hits[0].delivery {
			t.Errorf("headers: %+v / first %+v", last, hits[0])
		}
		unix, err := strconv.ParseInt(strings.TrimPrefix(strings.SplitN(last.sig, ",", 2)[0], "t="), 10, 64)
		if err != nil {
			t.Fatalf("signature %q: %v", last.sig, err)
		}
		if want := opora.SignWebhook(secret, time.Unix(unix, 0), last.body); last.sig != want {
			t.Errorf("signature %q, want %q", last.sig, want)
		}
		var msg struct {
			Event string         `json:"event"`
			Data  map[string]any `json:"data"`
		}
		if err := json.Unmarshal(last.body, &msg); err != nil || msg.Event != "signal.created" || msg.Data["signal_id"] != float64(sg.ID) {
			t.Errorf("body %s: %v", last.body, err)
		}
		for _, personal := range []string{"Сидоров", "Ленина", "Петя", "школу"} {
			if strings.Contains(string(last.body), personal) {
				t.Errorf("the message names %q: %s", personal, last.body)
			}
		}

		hooks, err := s.Webhooks(n.kdn.Ctx())
		if err != nil || len(hooks) != 1 || hooks[0].Pending != 0 || hooks[0].Failed != 0 {
			t.Fatalf("hooks: %v %+v", err, hooks)
		}
		log, err := s.WebhookDeliveries(n.kdn.Ctx(), hooks[0].ID, 10)
		if err != nil || len(log) != 1 || log[0].Attempts != 3 || log[0].DeliveredAt.IsZero() || log[0].LastStatus != 200 {
			t.Fatalf("delivery log: %v %+v", err, log)
		}
		if _, err := s.WebhookDeliveries(n.school.Ctx(), hooks[0].ID, 10); opora.ErrorCode(err) != opora.ENOTFOUND {
			t.Errorf("another organisation reads the log: %v", err)
		}

		// Stopped: a new signal writes no message for it.
		if err := s.SetWebhookDisabled(n.kdn.Ctx(), hooks[0].ID, true); err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterSignal(n.tchCtx, schoolSignal(s, n.north)); err != nil {
			t.Fatal(err)
		}
		if log, _ := s.WebhookDeliveries(n.kdn.Ctx(), hooks[0].ID, 10); len(log) != 1 {
			t.Errorf("a stopped webhook got %d messages", len(log))
		}
	})
}

// A message the receiver never takes is given up after
// opora.WebhookMaxAttempts tries and shown as failed.
func TestWebhookGivesUp(t *testing.T) {
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		n := newSignalNet(t, s)
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			http.Error(w, "gone", http.StatusGone)
		}))
		defer srv.Close()
		s.UseWebhooks(webhook.New(time.Second))
		if _, err := s.CreateWebhook(n.kdn.Ctx(), &opora.Webhook{URL: srv.URL, Events: []opora.WebhookEvent{opora.EventSignalCreated}}); err != nil {
			t.Fatal(err)
		}
		if err := s.RegisterSignal(n.tchCtx, schoolSignal(s, n.north)); err != nil {
			t.Fatal(err)
		}
		clock := time.Now()
		s.Now = func() time.Time { return clock }
		for range opora.WebhookMaxAttempts + 2 {
			if _, err := s.RunDueJobs(n.kdn.Ctx(), nil); err != nil {
				t.Fatal(err)
			}
			clock = clock.Add(13 * time.Hour)
		}
		hooks, _ := s.Webhooks(n.kdn.Ctx())
		log, err := s.WebhookDeliveries(n.kdn.Ctx(), hooks[0].ID, 10)
		if err != nil || len(log) != 1 || log[0].Attempts != opora.WebhookMaxAttempts || log[0].FailedAt.IsZero() ||
			log[0].LastStatus != http.StatusGone || hooks[0].Failed != 1 {
			t.Fatalf("log: %v %+v, hook %+v", err, log, hooks[0])
		}
	})
}
