package main

import (
	"encoding/base64"
	"io"
	"mime/quotedprintable"
	"net"
	netmail "net/mail"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// mailbox is an SMTP server in the test process (github.com/emersion/go-smtp)
// that keeps every message: recipient and decoded body.
type mailbox struct {
	mu  sync.Mutex
	got []mailed
}

type mailed struct{ to, body string }

func (b *mailbox) NewSession(*smtp.Conn) (smtp.Session, error) { return &mailSession{b: b}, nil }

func (b *mailbox) messages() []mailed {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]mailed(nil), b.got...)
}

type mailSession struct {
	b  *mailbox
	to []string
}

func (s *mailSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *mailSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}
func (s *mailSession) Data(r io.Reader) error {
	m, err := netmail.ReadMessage(r)
	if err != nil {
		return err
	}
	var body io.Reader = m.Body
	switch strings.ToLower(m.Header.Get("Content-Transfer-Encoding")) {
	case "quoted-printable":
		body = quotedprintable.NewReader(body)
	case "base64":
		body = base64.NewDecoder(base64.StdEncoding, body)
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	s.b.mu.Lock()
	for _, to := range s.to {
		s.b.got = append(s.b.got, mailed{to: to, body: strings.ReplaceAll(string(b), "\r\n", "\n")})
	}
	s.b.mu.Unlock()
	return nil
}
func (s *mailSession) Reset()        { s.to = nil }
func (s *mailSession) Logout() error { return nil }

// TestSeveralInstancesRunJobsOnce: three `opora serve` processes on one
// PostgreSQL schema run the background jobs every second. Ten signals
// come in, a quarter of a second apart, to a КДН with three secretaries
// who want e-mail at once: whichever instance's run finds them, each
// secretary's e-mails name each signal exactly once, and nothing is left
// pending.
func TestSeveralInstancesRunJobsOnce(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	bin := buildOpora(t)
	be := &mailbox{}
	srv := smtp.NewServer(be)
	srv.Domain = "localhost"
	srv.ReadTimeout, srv.WriteTimeout = 10*time.Second, 10*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln) //nolint:errcheck // ends with Close
	t.Cleanup(func() { srv.Close() })

	st := storetest.Open(t, store.Postgres)
	nw := storetest.SetupOrg(t, st, "Сеть")
	region := &opora.Territory{Kind: opora.TerritoryRegion, Name: "Область"}
	if err := st.SaveTerritory(nw.Ctx(), region); err != nil {
		t.Fatal(err)
	}
	town := &opora.Territory{Kind: opora.TerritoryMunicipality, ParentID: region.ID, Name: "Район"}
	if err := st.SaveTerritory(nw.Ctx(), town); err != nil {
		t.Fatal(err)
	}
	kdn := storetest.AddAgencyIn(t, st, nw.Ctx(), "КДН района", opora.OrgKDN, town.ID)
	school := storetest.AddAgencyIn(t, st, nw.Ctx(), "Школа № 3", opora.OrgSchool, town.ID)
	secretaries := []string{"sec1", "sec2", "sec3"}
	for _, login := range secretaries {
		_, ctx := kdn.AddUser(t, login, "kdn_secretary")
		if err := st.SaveNotificationPrefs(ctx, &opora.NotificationPrefs{EmailMode: opora.EmailImmediate}); err != nil {
			t.Fatal(err)
		}
	}
	_, teacher := school.AddUser(t, "teacher", "agency_specialist")
	db := storetest.RawDB(t, st)
	if _, err := db.Exec(`UPDATE users SET email = login || '@kdn.example' WHERE login LIKE 'sec%'`); err != nil {
		t.Fatal(err)
	}
	set, err := st.NotificationSettings(kdn.Ctx())
	if err != nil {
		t.Fatal(err)
	}
	set.EmailEnabled, set.Host, set.Port, set.TLS, set.From = true, "127.0.0.1", ln.Addr().(*net.TCPAddr).Port,
		opora.SMTPPlain, "opora@kdn.example"
	if err := st.SaveNotificationSettings(kdn.Ctx(), set); err != nil {
		t.Fatal(err)
	}
	dsn := storetest.Options(t, st).DatabaseURL
	dataDir := t.TempDir()
	var ins []*instance
	for _, name := range []string{"i1", "i2", "i3"} {
		ins = append(ins, startInstance(t, bin, name, dsn, dataDir, "--jobs-interval", "1s"))
	}
	const signals = 10
	var links []string
	for i := 0; i < signals; i++ {
		sg := &opora.Signal{TerritoryID: town.ID, ReceivedAt: time.Now().Add(-time.Hour), Channel: opora.ChannelSystem,
			Urgency: opora.UrgencyOrdinary, Description: "Не ходит в школу", Surname: "Сидоровы", Address: "ул. Ленина, 7",
			Children: []*opora.SignalChild{{Name: "Петя"}}}
		if err := st.RegisterSignal(teacher, sg); err != nil {
			t.Fatal(err)
		}
		links = append(links, "/signals/"+itoa(sg.ID)+"\n")
		time.Sleep(250 * time.Millisecond) // the signals come in while the instances' jobs tick
	}

	deadline := time.Now().Add(30 * time.Second)
	var pending int
	for time.Now().Before(deadline) {
		if err := db.QueryRow(`SELECT COUNT(*) FROM notifications WHERE email_state = 'pending'`).Scan(&pending); err != nil {
			t.Fatal(err)
		}
		if pending == 0 {
			break
		}
		time.Sleep(200 * time.Millisecond)
	}
	if pending != 0 {
		t.Fatalf("%d notifications still pending after 30 s", pending)
	}
	time.Sleep(3 * time.Second) // each instance runs its jobs again
	got := be.messages()
	per := map[string][]string{}
	for _, m := range got {
		per[m.to] = append(per[m.to], m.body)
	}
	for _, login := range secretaries {
		to := login + "@kdn.example"
		if len(per[to]) == 0 {
			t.Errorf("%s got no e-mail", to)
		}
		all := strings.Join(per[to], "\n")
		for _, l := range links {
			if n := strings.Count(all+"\n", l); n != 1 {
				t.Errorf("%s: the link %q is in the e-mail %d times", to, strings.TrimSpace(l), n)
			}
		}
	}
	if t.Failed() && len(got) > 0 {
		t.Logf("an e-mail: %q", got[0].body)
	}
	var who []string
	for _, in := range ins {
		b, err := os.ReadFile(in.log)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(b), "\n") {
			if i := strings.Index(l, "emailed="); i >= 0 && !strings.Contains(l, "emailed=0") {
				who = append(who, in.name+" "+strings.Fields(l[i:])[0])
			}
		}
	}
	t.Logf("sent by: %v", who)
	t.Logf("%d e-mails to %d secretaries for %d signals from 3 instances", len(got), len(secretaries), signals)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
