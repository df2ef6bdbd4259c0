package mail_test

import (
	"context"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"

	"github.com/opora-project/opora/internal/i18n"
	"github.com/opora-project/opora/internal/mail"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/secret"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// An SMTP server in the test process (github.com/emersion/go-smtp) that
// asks for a login and keeps what it receives.
type received struct {
	From string
	To   []string
	Data string
}

type backend struct {
	user, pass string
	mu         sync.Mutex
	got        []received
}

func (b *backend) NewSession(*smtp.Conn) (smtp.Session, error) { return &session{b: b}, nil }

func (b *backend) messages() []received {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]received(nil), b.got...)
}

type session struct {
	b      *backend
	authed bool
	cur    received
}

func (s *session) AuthMechanisms() []string { return []string{sasl.Plain} }

func (s *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != s.b.user || pass != s.b.pass {
			return errors.New("invalid credentials")
		}
		s.authed = true
		return nil
	}), nil
}

func (s *session) Mail(from string, _ *smtp.MailOptions) error {
	if !s.authed {
		return smtp.ErrAuthRequired
	}
	s.cur = received{From: from}
	return nil
}

func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.cur.To = append(s.cur.To, to)
	return nil
}

func (s *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.cur.Data = string(b)
	s.b.mu.Lock()
	s.b.got = append(s.b.got, s.cur)
	s.b.mu.Unlock()
	return nil
}

func (s *session) Reset()        { s.cur = received{} }
func (s *session) Logout() error { return nil }

func startSMTP(t *testing.T) (*backend, int) {
	t.Helper()
	be := &backend{user: "opora", pass: "right-password"}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })
	return be, ln.Addr().(*net.TCPAddr).Port
}

// The daily digest over a real SMTP exchange: a school registers a signal
// about a family; the КДН secretary's digest goes out once that day
// through the КДН's server (first with a wrong password: kept for the
// next run), names no one, links the signal; a second run the same day
// sends nothing; the next day's signal makes the next day's digest.
func TestDigestOverSMTP(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		be, port := startSMTP(t)
		clock := time.Date(2026, 3, 10, 5, 0, 0, 0, time.UTC)
		s.Now = func() time.Time { return clock }
		nw := storetest.SetupOrg(t, s, "Сеть")
		region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
		if err := s.SaveTerritory(nw.Ctx(), region); err != nil {
			t.Fatal(err)
		}
		town := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Район"}
		if err := s.SaveTerritory(nw.Ctx(), town); err != nil {
			t.Fatal(err)
		}
		kdn := storetest.AddAgencyIn(t, s, nw.Ctx(), "КДН района", opora.OrgKDN, town.ID)
		school := storetest.AddAgencyIn(t, s, nw.Ctx(), "Школа № 3", opora.OrgSchool, town.ID)
		secretary, _ := kdn.AddUser(t, "sec", "kdn_secretary")
		_, teacher := school.AddUser(t, "teacher", "agency_specialist")
		if _, err := storetest.RawDB(t, s).Exec(`UPDATE users SET email = 'sec@kdn.example' WHERE id = $1`, secretary.ID); err != nil {
			t.Fatal(err)
		}
		set, err := s.NotificationSettings(kdn.Ctx())
		if err != nil {
			t.Fatal(err)
		}
		set.EmailEnabled, set.Host, set.Port, set.TLS, set.User, set.Password, set.From = true, "127.0.0.1", port,
			opora.SMTPPlain, "opora", "wrong-password", "Опора КДН <opora@kdn.example>"
		if err := s.SaveNotificationSettings(kdn.Ctx(), set); err != nil {
			t.Fatal(err)
		}
		signal := func() *opora.Signal {
			sg := &opora.Signal{TerritoryID: town.ID, ReceivedAt: clock.Add(-time.Hour), Channel: opora.ChannelSystem,
				Urgency: opora.UrgencyOrdinary, Description: "Не ходит в школу", Surname: "Сидоровы", Address: "ул. Ленина, 7",
				Children: []*opora.SignalChild{{Name: "Петя Сидоров"}}}
			if err := s.RegisterSignal(teacher, sg); err != nil {
				t.Fatal(err)
			}
			return sg
		}
		first := signal()
		sender := mail.New(i18n.MustLoad(), "https://opora.example.org/")
		sender.Timeout = 10 * time.Second
		ctx := context.Background()

		// 05:00: the digest is not due before 07:00.
		if r, err := s.RunDueJobs(ctx, sender); err != nil || r.Emailed != 0 || len(be.messages()) != 0 {
			t.Fatalf("before the digest hour: %+v %v, %d messages", r, err, len(be.messages()))
		}
		// 08:00 with a wrong password: refused, kept for the next run.
		clock = time.Date(2026, 3, 10, 8, 0, 0, 0, time.UTC)
		r, err := s.RunDueJobs(ctx, sender)
		if err == nil || len(r.FailedUsers) != 1 || r.FailedUsers[0] != secretary.ID || len(be.messages()) != 0 {
			t.Fatalf("wrong password: %+v %v", r, err)
		}
		if strings.Contains(err.Error(), "sec@kdn.example") {
			t.Errorf("the error names the address: %v", err)
		}
		set, _ = s.NotificationSettings(kdn.Ctx())
		set.Password = "right-password"
		if err := s.SaveNotificationSettings(kdn.Ctx(), set); err != nil {
			t.Fatal(err)
		}
		// The password is kept sealed under the data folder's key file.
		db := storetest.RawDB(t, s)
		stored := func() string {
			t.Helper()
			var v string
			if err := db.QueryRow(`SELECT smtp_password FROM notification_settings WHERE organisation_id = $1`, kdn.Org.ID).Scan(&v); err != nil {
				t.Fatal(err)
			}
			return v
		}
		if v := stored(); !strings.HasPrefix(v, secret.Prefix) || strings.Contains(v, "right-password") {
			t.Errorf("the stored password: %q", v)
		}
		keyFile := filepath.Join(storetest.Options(t, s).DataDir, secret.KeyFileName)
		if fi, err := os.Stat(keyFile); err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("key file: %v %v", fi, err)
		}
		if r, err := s.RunDueJobs(ctx, sender); err != nil || r.Emailed != 1 {
			t.Fatalf("digest: %+v %v", r, err)
		}
		got := be.messages()
		if len(got) != 1 || got[0].From != "opora@kdn.example" || len(got[0].To) != 1 || got[0].To[0] != "sec@kdn.example" {
			t.Fatalf("received: %+v", got)
		}
		body := decoded(t, got[0].Data)
		for _, want := range []string{"Опора: уведомления (1)", "Уведомления в «Опоре» за день", "Поступил сигнал, ожидающий рассмотрения",
			"https://opora.example.org/signals/" + itoa(first.ID)} {
			if !strings.Contains(body, want) {
				t.Errorf("the digest lacks %q:\n%s", want, body)
			}
		}
		for _, name := range []string{"Сидоров", "Петя", "Ленина"} {
			if strings.Contains(body, name) {
				t.Errorf("the digest names %q:\n%s", name, body)
			}
		}
		// The same day again: nothing more, even with a new signal.
		clock = clock.Add(3 * time.Hour)
		second := signal()
		if r, err := s.RunDueJobs(ctx, sender); err != nil || r.Emailed != 0 || len(be.messages()) != 1 {
			t.Fatalf("second run the same day: %+v %v, %d messages", r, err, len(be.messages()))
		}
		// The next morning: the second signal's digest.
		clock = time.Date(2026, 3, 11, 7, 30, 0, 0, time.UTC)
		if r, err := s.RunDueJobs(ctx, sender); err != nil || r.Emailed != 1 || len(be.messages()) != 2 {
			t.Fatalf("next day: %+v %v, %d messages", r, err, len(be.messages()))
		}
		if body := decoded(t, be.messages()[1].Data); !strings.Contains(body, "/signals/"+itoa(second.ID)) ||
			strings.Contains(body, "/signals/"+itoa(first.ID)+"\n") {
			t.Errorf("next day's digest:\n%s", body)
		}

		// A password an older version stored plain: Migrate seals it, and
		// the mail still goes.
		if _, err := db.Exec(`UPDATE notification_settings SET smtp_password = 'right-password' WHERE organisation_id = $1`, kdn.Org.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.Migrate(ctx); err != nil {
			t.Fatal(err)
		}
		if v := stored(); !strings.HasPrefix(v, secret.Prefix) || strings.Contains(v, "right-password") {
			t.Errorf("the legacy password after Migrate: %q", v)
		}
		signal()
		clock = time.Date(2026, 3, 12, 7, 30, 0, 0, time.UTC)
		if r, err := s.RunDueJobs(ctx, sender); err != nil || r.Emailed != 1 || len(be.messages()) != 3 {
			t.Fatalf("after sealing the legacy password: %+v %v, %d messages", r, err, len(be.messages()))
		}

		// An instance with another key file: a clear error naming the key
		// file, nothing sent, the digest kept for the next run.
		o := storetest.Options(t, s)
		o.SecretKey = filepath.Join(t.TempDir(), "other.key")
		if _, err := secret.LoadOrCreate(o.SecretKey); err != nil {
			t.Fatal(err)
		}
		other := storetest.OpenOptions(t, o)
		other.Now = s.Now
		signal()
		clock = time.Date(2026, 3, 13, 7, 30, 0, 0, time.UTC)
		r, err = other.RunDueJobs(ctx, sender)
		if !errors.Is(err, secret.ErrWrongKey) || !strings.Contains(err.Error(), "other.key") || len(r.FailedUsers) != 1 || len(be.messages()) != 3 {
			t.Fatalf("another key file: %+v %v, %d messages", r, err, len(be.messages()))
		}
		if strings.Contains(err.Error(), "right-password") {
			t.Errorf("the error shows the password: %v", err)
		}
		if r, err := s.RunDueJobs(ctx, sender); err != nil || r.Emailed != 1 || len(be.messages()) != 4 {
			t.Fatalf("with the right key again: %+v %v, %d messages", r, err, len(be.messages()))
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// decoded returns a received message's subject and body as a person
// reads them.
func decoded(t *testing.T, data string) string {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var r io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		r = quotedprintable.NewReader(r)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, r)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	return subject + "\n" + strings.ReplaceAll(string(b), "\r\n", "\n")
}
