package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// multiPassword is the test users' password.
const multiPassword = "correct horse battery staple"

// instance is one `opora serve` process of the test.
type instance struct {
	name string
	addr string // 127.0.0.1:port
	cmd  *exec.Cmd
	log  string
}

func (in *instance) url() string { return "http://" + in.addr }

// freeAddr returns a local address no one listens on right now.
func freeAddr(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// buildOpora builds the server binary once for the test.
func buildOpora(t *testing.T) string {
	t.Helper()
	bin := filepath.Join(t.TempDir(), "opora")
	// The build shares the test's build cache (same environment).
	cmd := exec.Command("go", "build", "-o", bin, ".")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// startInstance starts `opora serve` on the shared database and data
// folder and waits until it answers /healthz.
func startInstance(t *testing.T, bin, name, dsn, dataDir string, flags ...string) *instance {
	t.Helper()
	in := &instance{name: name, addr: freeAddr(t), log: filepath.Join(t.TempDir(), name+".log")}
	logf, err := os.Create(in.log)
	if err != nil {
		t.Fatal(err)
	}
	if len(flags) == 0 {
		flags = []string{"--jobs-interval", "0"}
	}
	in.cmd = exec.Command(bin, append([]string{"serve", "--addr", in.addr, "--data", dataDir, "--database-url", dsn}, flags...)...)
	in.cmd.Stdout, in.cmd.Stderr = logf, logf
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		in.cmd.Process.Signal(syscall.SIGTERM)
		done := make(chan struct{})
		go func() { in.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			in.cmd.Process.Kill()
			<-done
		}
		logf.Close()
	})
	for i := 0; i < 200; i++ {
		res, err := http.Get(in.url() + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return in
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(in.log)
	t.Fatalf("instance %s did not start:\n%s", name, b)
	return nil
}

// proxy is nginx in front of the instances, with its configuration,
// pid, logs and temporary files in a folder of the test.
type proxy struct {
	dir, addr string
	cmd       *exec.Cmd
}

// write writes nginx.conf: a round-robin proxy to the instances; the access log
// names the instance (upstream address) that answered each request.
func (p *proxy) write(t *testing.T, ins []*instance) {
	t.Helper()
	var up strings.Builder
	for _, in := range ins {
		fmt.Fprintf(&up, "    server %s;\n", in.addr)
	}
	user := ""
	if os.Geteuid() == 0 {
		user = "user root;\n" // the workers write their temporary files in the test's folder
	}
	conf := user + `worker_processes 1;
daemon off;
pid ` + p.dir + `/nginx.pid;
error_log ` + p.dir + `/error.log warn;
events { worker_connections 256; }
http {
  client_body_temp_path ` + p.dir + `/body;
  proxy_temp_path ` + p.dir + `/proxy;
  fastcgi_temp_path ` + p.dir + `/fastcgi;
  uwsgi_temp_path ` + p.dir + `/uwsgi;
  scgi_temp_path ` + p.dir + `/scgi;
  log_format upstream '$request_method $uri $status $upstream_addr';
  access_log ` + p.dir + `/access.log upstream;
  upstream opora {
` + up.String() + `    keepalive 8;
  }
  server {
    listen ` + p.addr + `;
    client_max_body_size 25m;
    location / {
      proxy_pass http://opora;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host $http_host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      proxy_set_header X-Forwarded-Proto $scheme;
    }
  }
}
`
	if err := os.WriteFile(filepath.Join(p.dir, "nginx.conf"), []byte(conf), 0o600); err != nil {
		t.Fatal(err)
	}
}

// startProxy starts nginx (not as a daemon) in front of ins.
func startProxy(t *testing.T, nginx string, ins []*instance) *proxy {
	t.Helper()
	p := &proxy{dir: t.TempDir(), addr: freeAddr(t)}
	p.write(t, ins)
	p.cmd = exec.Command(nginx, "-p", p.dir, "-c", filepath.Join(p.dir, "nginx.conf"), "-e", filepath.Join(p.dir, "error.log"))
	out, err := os.Create(filepath.Join(p.dir, "stderr.log"))
	if err != nil {
		t.Fatal(err)
	}
	p.cmd.Stdout, p.cmd.Stderr = out, out
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		p.cmd.Process.Signal(syscall.SIGQUIT)
		done := make(chan struct{})
		go func() { p.cmd.Wait(); close(done) }()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			p.cmd.Process.Kill()
			<-done
		}
		out.Close()
	})
	p.waitUp(t)
	return p
}

func (p *proxy) waitUp(t *testing.T) {
	t.Helper()
	for i := 0; i < 100; i++ {
		if res, err := http.Get("http://" + p.addr + "/healthz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	b, _ := os.ReadFile(filepath.Join(p.dir, "error.log"))
	t.Fatalf("nginx did not start:\n%s", b)
}

// reload gives nginx a new list of instances (SIGHUP: the new workers
// take the new configuration, the old ones finish their requests).
func (p *proxy) reload(t *testing.T, ins []*instance) {
	t.Helper()
	p.write(t, ins)
	if err := p.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		t.Fatal(err)
	}
	time.Sleep(500 * time.Millisecond)
	p.waitUp(t)
}

// logLines returns the access log's lines from line from on.
func (p *proxy) logLines(t *testing.T, from int) []string {
	t.Helper()
	f, err := os.Open(filepath.Join(p.dir, "access.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var out []string
	sc := bufio.NewScanner(f)
	for i := 0; sc.Scan(); i++ {
		if i >= from {
			out = append(out, sc.Text())
		}
	}
	return out
}

// answeredBy counts, per instance, the browser's page requests (not
// static files or /healthz) in log lines, and returns them in order.
func answeredBy(lines []string, ins []*instance) (map[string]int, []string) {
	names := map[string]string{}
	for _, in := range ins {
		names[in.addr] = in.name
	}
	count := map[string]int{}
	var order []string
	for _, l := range lines {
		f := strings.Fields(l)
		if len(f) < 4 || strings.HasPrefix(f[1], "/static/") || f[1] == "/healthz" {
			continue
		}
		name := names[f[3]]
		if name == "" {
			name = f[3]
		}
		count[name]++
		order = append(order, f[0]+" "+f[1]+" → "+name)
	}
	return count, order
}

// TestSeveralInstancesBehindProxy runs two and then three `opora serve`
// processes on one PostgreSQL schema and one data folder behind nginx
// (round robin), and walks a worker's day through the proxy in Chromium:
// log in, create a client, record a service, upload a file and read it
// back. nginx's access log shows the requests went to every instance. A
// dictionary renamed, a questionnaire field relabelled and a role given on
// one instance apply on the next request to each other; the uploaded file opens on each; the session
// logged out through the proxy is refused by every instance.
func TestSeveralInstancesBehindProxy(t *testing.T) {
	storetest.SkipUnlessPostgres(t)
	nginx, err := exec.LookPath("nginx")
	if err != nil {
		if nginx, err = exec.LookPath("/usr/sbin/nginx"); err != nil {
			if os.Getenv("OPORA_TEST_BROWSER") == "1" {
				t.Fatal("nginx is not installed (apt-get install nginx), and OPORA_TEST_BROWSER=1 requires this test")
			}
			t.Skip("nginx not installed")
		}
	}
	chromium, err := exec.LookPath("chromium")
	if err != nil {
		if os.Getenv("OPORA_TEST_BROWSER") == "1" {
			t.Fatal("chromium is not installed, and OPORA_TEST_BROWSER=1 requires browser tests")
		}
		t.Skip("chromium not installed")
	}
	started := time.Now()
	bin := buildOpora(t)
	built := time.Since(started)

	// One database schema, migrated, with an organisation, its
	// administrator and a worker who may only run reports.
	st := storetest.Open(t, store.Postgres)
	fx := storetest.SetupOrg(t, st, "Ночлежка")
	anna, _ := fx.AddUser(t, "anna", "analyst")
	hash, err := auth.Hash(multiPassword)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []int64{fx.Admin.ID, anna.ID} {
		if err := st.ResetPassword(fx.Ctx(), id, hash); err != nil {
			t.Fatal(err)
		}
	}
	db := storetest.RawDB(t, st)
	var svcID, specialistID int64
	var svcName string
	if err := db.QueryRow(`SELECT id, name FROM service_types WHERE organisation_id = $1 AND active ORDER BY id LIMIT 1`, fx.Org.ID).
		Scan(&svcID, &svcName); err != nil {
		t.Fatalf("a service type: %v", err)
	}
	if err := db.QueryRow(`SELECT id FROM roles WHERE key = 'specialist' AND (organisation_id = $1 OR organisation_id IS NULL) ORDER BY id LIMIT 1`, fx.Org.ID).
		Scan(&specialistID); err != nil {
		t.Fatalf("the specialist role: %v", err)
	}
	dsn := storetest.Options(t, st).DatabaseURL
	dataDir := t.TempDir() // the shared files folder

	ins := []*instance{
		startInstance(t, bin, "i1", dsn, dataDir),
		startInstance(t, bin, "i2", dsn, dataDir),
	}
	px := startProxy(t, nginx, ins)
	base := "http://" + px.addr
	t.Logf("built in %v; two instances (%s, %s) behind nginx at %s", built.Round(time.Millisecond), ins[0].addr, ins[1].addr, px.addr)

	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium),
		chromedp.Flag("headless", true),
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.WindowSize(1280, 900),
	)
	actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
	defer cancel()
	bctx, cancel2 := chromedp.NewContext(actx)
	defer cancel2()
	bctx, cancel3 := context.WithTimeout(bctx, 3*time.Minute)
	defer cancel3()
	if err := chromedp.Do(bctx, chromedp.Navigate("about:blank")); err != nil {
		t.Fatal(err)
	}
	step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		sctx, cancel := context.WithTimeout(bctx, 30*time.Second)
		defer cancel()
		if err := chromedp.Do(sctx, actions...); err != nil {
			page, _ := chromedp.Run(bctx, chromedp.Evaluate[string](`location.href + "\n" + document.body.innerText.slice(0, 2000)`))
			t.Fatalf("%s: %v\npage: %s", name, err, page)
		}
	}
	eval := func(js string) string {
		t.Helper()
		v, err := chromedp.Run(bctx, chromedp.Evaluate[string](js, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}

	// A worker's day through the proxy, on two instances.
	step("log in",
		chromedp.Navigate(base+"/login"),
		chromedp.WaitVisible(`#f-login`),
		chromedp.SendKeys(`#f-login`, "admin"),
		chromedp.SendKeys(`#f-password`, multiPassword),
		chromedp.Submit(`#f-login`),
		chromedp.WaitVisible(`.userbox`))
	step("new client",
		chromedp.Navigate(base+"/clients/new"),
		chromedp.WaitVisible(`#f-surname`),
		chromedp.SendKeys(`#f-surname`, "Смирнов"),
		chromedp.SendKeys(`#f-first_name`, "Алексей"),
		chromedp.SendKeys(`#f-birth_date`, "12.05.1968"),
		chromedp.Submit(`#f-surname`),
		chromedp.WaitVisible(`nav.tabs`))
	record := eval(`location.pathname`)
	if !strings.HasPrefix(record, "/clients/") {
		t.Fatalf("after creating the client the browser is at %s", record)
	}
	step("record a service",
		chromedp.Navigate(base+record),
		chromedp.WaitVisible(fmt.Sprintf(`#svc-%d`, svcID)),
		chromedp.Click(fmt.Sprintf(`#svc-%d`, svcID)),
		chromedp.Submit(`form.services-form`),
		chromedp.WaitVisible(`.flash-ok`))
	step("services tab",
		chromedp.Navigate(base+record+"/services"),
		chromedp.WaitVisible(`nav.tabs`))
	if got := eval(`document.querySelector('main').innerText`); !strings.Contains(got, svcName) {
		t.Fatalf("the services tab does not list %q: %s", svcName, got)
	}
	scan := filepath.Join(t.TempDir(), "spravka.txt")
	content := "Справка о регистрации по месту пребывания № 17\n"
	if err := os.WriteFile(scan, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	step("upload a file",
		chromedp.Navigate(base+record+"/documents"),
		chromedp.WaitReady(`#f-file`),
		chromedp.SetUploadFiles(`#f-file`, []string{scan}),
		chromedp.Submit(`#f-file`),
		chromedp.WaitVisible(`#files table`))
	fileURL := eval(`document.querySelector('#files table a[href*="/files/"]').getAttribute('href')`)
	for i := 0; i < 4; i++ {
		got := eval(`(async () => { const r = await fetch(` + jsQuote(fileURL) + `); return r.status + " " + await r.text() })()`)
		if got != "200 "+content {
			t.Fatalf("reading the file back through the proxy (%d): %q", i, got)
		}
	}
	lines := px.logLines(t, 0)
	count, order := answeredBy(lines, ins)
	t.Logf("two instances, the browser's requests: %v\n  %s", count, strings.Join(order, "\n  "))
	for _, in := range ins {
		if count[in.name] < 3 {
			t.Errorf("instance %s answered %d of the browser's requests: %v", in.name, count[in.name], count)
		}
	}

	// A third instance joins; nginx takes the new list.
	ins = append(ins, startInstance(t, bin, "i3", dsn, dataDir))
	px.reload(t, ins)
	mark := len(px.logLines(t, 0))
	for i := 0; i < 3; i++ {
		step("the record on three instances",
			chromedp.Navigate(base+record),
			chromedp.WaitVisible(`nav.tabs`),
			chromedp.Navigate(base+record+"/documents"),
			chromedp.WaitVisible(`#files table`))
	}
	count, order = answeredBy(px.logLines(t, mark), ins)
	t.Logf("three instances, the browser's requests: %v\n  %s", count, strings.Join(order, "\n  "))
	for _, in := range ins {
		if count[in.name] == 0 {
			t.Errorf("instance %s answered none of the browser's requests: %v", in.name, count)
		}
	}

	// The browser's session cookie is sent to each instance directly too
	// (cookies do not depend on the port): every instance serves the file
	// uploaded through the proxy from the shared folder.
	cookies, err := chromedp.Run(bctx, func(ctx context.Context, tg *chromedp.Target) ([]*network.Cookie, error) {
		res, err := cdp.Call(ctx, tg, network.GetCookies, network.GetCookiesParams{})
		return res.Cookies, err
	})
	if err != nil {
		t.Fatal(err)
	}
	var session *http.Cookie
	for _, c := range cookies {
		if c.Name == "opora" {
			session = &http.Cookie{Name: c.Name, Value: c.Value}
		}
	}
	if session == nil {
		t.Fatalf("no session cookie among %d", len(cookies))
	}
	get := func(in *instance, path string, c *http.Cookie) (int, string) {
		t.Helper()
		req, _ := http.NewRequest("GET", in.url()+path, nil)
		if c != nil {
			req.AddCookie(c)
		}
		res, err := noRedirect.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		return res.StatusCode, string(b)
	}
	for _, in := range ins {
		if code, body := get(in, fileURL, session); code != http.StatusOK || body != content {
			t.Errorf("instance %s: the file answers %d %q", in.name, code, body)
		}
	}

	// A dictionary changed on instance 1 shows on the next page of 2 and 3.
	// First each instance shows the record with the old name, so its
	// dictionaries and the quick-record form's fragment are in memory.
	renamed := svcName + " (ночлег)"
	for _, in := range ins {
		if code, body := get(in, record, session); code != http.StatusOK || !strings.Contains(body, svcName) || strings.Contains(body, renamed) {
			t.Fatalf("instance %s before the rename: %d", in.name, code)
		}
	}
	step("rename a service type on i1",
		chromedp.Navigate(fmt.Sprintf("%s/admin/services/%d", ins[0].url(), svcID)),
		chromedp.WaitVisible(`#f-name`),
		chromedp.SetValue(`#f-name`, renamed),
		chromedp.Submit(`#f-name`),
		chromedp.WaitNotPresent(`#f-name`))
	changed := time.Now()
	for _, in := range ins[1:] {
		code, body := get(in, record, session)
		if code != http.StatusOK || !strings.Contains(body, renamed) {
			t.Errorf("instance %s, the first page after the rename on i1: %d, the new name shown: %v", in.name, code, strings.Contains(body, renamed))
		}
	}
	t.Logf("the renamed service type showed on i2 and i3 at their first request (both answered %v after the change was saved)", time.Since(changed).Round(time.Millisecond))

	// A questionnaire's field relabelled on instance 1: the next
	// questionnaire page of 2 and 3 carries the new label (form_version).
	var fieldID int64
	var label string
	if err := db.QueryRow(`SELECT ff.id, ff.label FROM form_fields ff JOIN form_sections fs ON fs.id = ff.section_id
		JOIN forms f ON f.id = fs.form_id WHERE f.organisation_id = $1 AND f.key = $2 AND NOT ff.disabled AND NOT fs.disabled
		AND ff.sensitivity = '' ORDER BY fs.position, ff.position LIMIT 1`, fx.Org.ID, opora.ProfileFormKey).Scan(&fieldID, &label); err != nil {
		t.Fatalf("a field of the questionnaire: %v", err)
	}
	relabelled := label + " (уточнено)"
	for _, in := range ins {
		if code, body := get(in, record+"/questionnaire/edit", session); code != http.StatusOK || !strings.Contains(body, label) || strings.Contains(body, relabelled) {
			t.Fatalf("instance %s, the questionnaire before the change: %d", in.name, code)
		}
	}
	step("relabel a questionnaire field on i1",
		chromedp.Navigate(fmt.Sprintf("%s/admin/form-fields/%d", ins[0].url(), fieldID)),
		chromedp.WaitVisible(`#f-label`),
		chromedp.SetValue(`#f-label`, relabelled),
		jsAction(`document.querySelectorAll('.flash').forEach(e => e.remove()) || true`),
		chromedp.Submit(`#f-label`),
		chromedp.WaitVisible(`.flash-ok`))
	changed = time.Now()
	for _, in := range ins[1:] {
		if code, body := get(in, record+"/questionnaire/edit", session); code != http.StatusOK || !strings.Contains(body, relabelled) {
			t.Errorf("instance %s, the first questionnaire page after the change on i1: %d, the new label shown: %v", in.name, code, strings.Contains(body, relabelled))
		}
	}
	t.Logf("the relabelled field showed on i2 and i3 at their first request (both answered %v after the change was saved)", time.Since(changed).Round(time.Millisecond))

	// A role given on instance 1 applies to the worker's next request on
	// instances 2 and 3; before it, the client's record was refused.
	jar, _ := cookiejar.New(nil)
	annaClient := &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := annaClient.PostForm(ins[1].url()+"/login", url.Values{"login": {"anna"}, "password": {multiPassword}})
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther && res.StatusCode != http.StatusFound {
		t.Fatalf("anna's login on i2: %d", res.StatusCode)
	}
	annaGet := func(in *instance) int {
		res, err := annaClient.Get(in.url() + record)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
	for _, in := range ins {
		if code := annaGet(in); code != http.StatusForbidden {
			t.Errorf("anna, an analyst, opens the record on %s: %d", in.name, code)
		}
	}
	step("give anna the specialist role on i1",
		chromedp.Navigate(fmt.Sprintf("%s/admin/users/%d", ins[0].url(), anna.ID)),
		chromedp.WaitVisible(`input[name=roles]`),
		jsAction(fmt.Sprintf(`document.querySelector('input[name=roles][value="%d"]').checked = true`, specialistID)),
		jsAction(`document.querySelectorAll('.flash').forEach(e => e.remove()) || true`),
		chromedp.Submit(`input[name=roles]`),
		chromedp.WaitVisible(`.flash-ok`))
	changed = time.Now()
	for _, in := range ins[1:] {
		if code := annaGet(in); code != http.StatusOK {
			t.Errorf("anna with the specialist role, her next request on %s: %d", in.name, code)
		}
	}
	t.Logf("the role given on i1 applied on i2 and i3 at their first request (both answered %v after the change was saved)", time.Since(changed).Round(time.Millisecond))

	// Logged out through the proxy: refused by every instance.
	step("log out",
		chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(`.userbox`),
		chromedp.Click(`.userbox button[type=submit]`),
		chromedp.WaitVisible(`input[name=password]`))
	for _, in := range ins {
		code, _ := get(in, record, session)
		if code != http.StatusSeeOther && code != http.StatusFound {
			t.Errorf("the logged-out session on %s: %d, want a redirect to the login page", in.name, code)
		}
	}
	var sessions int
	if err := db.QueryRow(`SELECT COUNT(*) FROM sessions WHERE user_id = $1`, fx.Admin.ID).Scan(&sessions); err != nil || sessions != 0 {
		t.Errorf("the administrator's sessions left: %d %v", sessions, err)
	}
	t.Logf("whole test %v", time.Since(started).Round(time.Millisecond))
}

// noRedirect answers redirects to the caller.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// jsAction runs a script in the page for its effect.
func jsAction(expr string) chromedp.Action[chromedp.Void] {
	return func(ctx context.Context, tg *chromedp.Target) (chromedp.Void, error) {
		_, err := chromedp.Evaluate[bool](expr)(ctx, tg)
		return chromedp.Void{}, err
	}
}

func jsQuote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}
