package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	mrand "math/rand/v2"
	"mime/multipart"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestCrashSafety is the crash test of issue 25: it builds the real
// binary, and on each database starts "opora serve", drives writes at a
// steady rate from four writers (services through the API, check-in tick
// batches, task status changes and file uploads through the pages),
// SIGKILLs the server at a random moment, starts it again, and checks
// that every write the server acknowledged is there with its values, that
// nothing is half-written (a request's rows all there or none, a file row
// with its bytes and checksum, no file on disk without its row but the
// bytes of an upload cut short by the kill), that the derived count tables
// agree with their rows and that the audit chain verifies.
//
// OPORA_CRASH_KILLS (default 20) sets the number of kills per database;
// OPORA_CRASH_SEED replays the kill moments of a failed run (the seed is
// logged). docs/OPERATIONS.md, "Crash safety".
func TestCrashSafety(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and kills the real server")
	}
	kills := 20
	if n, err := strconv.Atoi(os.Getenv("OPORA_CRASH_KILLS")); err == nil && n > 0 {
		kills = n
	}
	seed := uint64(time.Now().UnixNano())
	if s, err := strconv.ParseUint(os.Getenv("OPORA_CRASH_SEED"), 10, 64); err == nil {
		seed = s
	}
	bin := filepath.Join(t.TempDir(), "opora")
	build := exec.Command("go", "build", "-o", bin, ".")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		t.Logf("OPORA_CRASH_SEED=%d, %d kills", seed, kills)
		h := newCrashHarness(t, bin, st, seed)
		h.run(kills)
	})
}

// crashHarness drives one database's server through its kills.
type crashHarness struct {
	t       *testing.T
	bin     string
	st      *store.Store
	db      *sql.DB
	opts    store.Options
	rng     *mrand.Rand
	addr    string
	base    string
	logPath string
	cmd     *exec.Cmd

	fx      *storetest.Fixture
	token   string
	admin   *http.Client
	duty    *http.Client
	clients []int64
	typeIDs []int64
	shift   int64
	tasks   []int64

	mu sync.Mutex
	// Services: request key → the rows acknowledged (nil while unknown).
	services map[string][]svc
	// Tick batches: the tick ids of each batch, and whether it was acknowledged.
	batches []tickBatch
	// Tasks: the status last acknowledged, and the one sent when the kill came.
	taskAcked   map[int64]opora.TaskStatus
	taskPending map[int64]opora.TaskStatus
	// Uploads: content checksum → acknowledged.
	uploads map[string]bool
	// Writes answered with an error while the server was up.
	refused []string
	counts  map[string]int // acknowledged writes by kind, for the log
}

// svc is a service row as acknowledged and as read back.
type svc struct {
	id       int64
	quantity int
}

type tickBatch struct {
	ids   []string
	acked bool
}

func newCrashHarness(t *testing.T, bin string, st *store.Store, seed uint64) *crashHarness {
	h := &crashHarness{t: t, bin: bin, st: st, db: storetest.RawDB(t, st), opts: storetest.Options(t, st),
		rng: mrand.New(mrand.NewPCG(seed, 0x6f706f7261)), services: map[string][]svc{},
		taskAcked: map[int64]opora.TaskStatus{}, taskPending: map[int64]opora.TaskStatus{},
		uploads: map[string]bool{}, counts: map[string]int{}}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	h.addr = ln.Addr().String()
	ln.Close()
	h.base = "http://" + h.addr
	h.logPath = filepath.Join(t.TempDir(), "serve.log")
	h.setup()
	return h
}

// setup creates, through the store, what the writers need: an
// organisation, a duty worker, clients with open cases and tasks, a
// check-in point with an open shift, and an API token.
func (h *crashHarness) setup() {
	t, st := h.t, h.st
	fx := storetest.SetupOrg(t, st, "Ночлежка")
	h.fx = fx
	ctx := fx.Ctx()
	duty, dutyCtx := fx.AddUser(t, "duty", "duty")
	for _, id := range []int64{fx.Admin.ID, duty.ID} {
		hash, err := auth.Hash(crashPassword)
		if err != nil {
			t.Fatal(err)
		}
		if err := st.ResetPassword(opora.WithActor(context.Background(), opora.SystemActor(fx.Org.ID)), id, hash); err != nil {
			t.Fatal(err)
		}
	}
	caseTypes, err := st.CaseDictionary(ctx, opora.DictCaseType, false)
	if err != nil || len(caseTypes) == 0 {
		t.Fatalf("case types: %v", err)
	}
	taskTypes, err := st.CaseDictionary(ctx, opora.DictTaskType, false)
	if err != nil || len(taskTypes) == 0 {
		t.Fatalf("task types: %v", err)
	}
	for i := 0; i < 4; i++ {
		c := &opora.Client{Surname: "Краш" + strconv.Itoa(i), FirstName: "Тест", BranchID: fx.Branch.ID}
		if err := st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		h.clients = append(h.clients, c.ID)
		k := &opora.Case{ClientID: c.ID, TypeID: caseTypes[0].ID, CuratorID: fx.Admin.ID, OpenedOn: st.Today()}
		if err := st.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		for j := 0; j < 2; j++ {
			tk := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Задача " + strconv.Itoa(j),
				ResponsibleID: fx.Admin.ID}
			if err := st.AddTask(ctx, tk); err != nil {
				t.Fatal(err)
			}
			h.tasks = append(h.tasks, tk.ID)
			h.taskAcked[tk.ID] = opora.TaskPlanned
		}
	}
	types, err := st.ServiceTypes(ctx, true)
	if err != nil {
		t.Fatal(err)
	}
	for _, ty := range types {
		if !ty.HasAmount && !ty.CommentRequired && len(h.typeIDs) < 2 {
			h.typeIDs = append(h.typeIDs, ty.ID)
		}
	}
	if len(h.typeIDs) != 2 {
		t.Fatal("no two plain service types")
	}
	pt := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Обогрев"}
	if err := st.SaveCheckinPoint(ctx, pt, []string{"Еда"}); err != nil {
		t.Fatal(err)
	}
	sh := &opora.CheckinShift{PointID: pt.ID, Date: st.Today(), Starts: "08:00", Ends: "07:59"}
	if err := st.OpenCheckinShift(dutyCtx, sh); err != nil {
		t.Fatal(err)
	}
	h.shift = sh.ID
	sys := opora.SystemActor(fx.Org.ID)
	sys.UserID = fx.Admin.ID
	h.token, err = st.CreateAPIToken(opora.WithActor(context.Background(), sys), &opora.APIToken{Name: "crash",
		UserID: fx.Admin.ID, Scopes: []opora.APIScope{opora.ScopeServicesWrite}, ExpiresAt: st.Now().AddDate(0, 0, 2)})
	if err != nil {
		t.Fatal(err)
	}
}

const crashPassword = "crash test password 2026"

// start runs "opora serve" and waits for /healthz.
func (h *crashHarness) start() {
	t := h.t
	logf, err := os.OpenFile(h.logPath, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		t.Fatal(err)
	}
	defer logf.Close()
	args := []string{"serve", "--addr", h.addr, "--data", h.opts.DataDir}
	if h.opts.DatabaseURL != "" {
		args = append(args, "--database-url", h.opts.DatabaseURL)
	}
	h.cmd = exec.Command(h.bin, args...)
	h.cmd.Env = append(os.Environ(), "OPORA_LOG_FORMAT=text")
	h.cmd.Stdout, h.cmd.Stderr = logf, logf
	if err := h.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(30 * time.Second)
	for time.Now().Before(deadline) {
		res, err := http.Get(h.base + "/healthz")
		if err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	h.kill()
	t.Fatalf("the server did not answer /healthz in 30 s; its log:\n%s", h.log())
}

func (h *crashHarness) kill() {
	_ = h.cmd.Process.Kill() // SIGKILL
	_ = h.cmd.Wait()
}

func (h *crashHarness) log() string {
	b, _ := os.ReadFile(h.logPath)
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return string(b)
}

func (h *crashHarness) login(login string) *http.Client {
	jar, _ := cookiejar.New(nil)
	c := &http.Client{Jar: jar, Timeout: 20 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := c.PostForm(h.base+"/login", url.Values{"login": {login}, "password": {crashPassword}})
	if err != nil {
		h.t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/" {
		h.t.Fatalf("login %s: %d %s", login, res.StatusCode, res.Header.Get("Location"))
	}
	return c
}

func (h *crashHarness) run(kills int) {
	t := h.t
	h.start()
	defer func() {
		if h.cmd.ProcessState == nil {
			h.kill()
		}
	}()
	h.admin, h.duty = h.login("admin"), h.login("duty")
	began := time.Now()
	for round := 1; round <= kills; round++ {
		ctx, stop := context.WithCancel(context.Background())
		var wg sync.WaitGroup
		for _, w := range []func(context.Context){h.writeServices, h.writeTicks, h.writeTasks, h.writeFiles} {
			wg.Add(1)
			go func() { defer wg.Done(); w(ctx) }()
		}
		time.Sleep(time.Duration(300+h.rng.IntN(1200)) * time.Millisecond)
		h.kill()
		stop()
		wg.Wait()
		h.start()
		h.verify(round)
		if t.Failed() {
			t.Fatalf("after kill %d; the server's log:\n%s", round, h.log())
		}
	}
	// The start's sweep: with every file in the folder a day old, plus a
	// planted temporary file and bytes under a key no row names, a restart
	// removes the leftovers of the kills and nothing a row names.
	h.kill()
	left := h.backdateAndPlant()
	h.start()
	if orphans, temps := h.verify(kills + 1); orphans+temps != 0 {
		t.Errorf("after the start's sweep: %d files without a row, %d temporary files remain", orphans, temps)
	}
	t.Logf("the start's sweep removed %d leftovers (with the two planted)", left)
	// The command line's auditor agrees.
	args := []string{"audit", "verify", "--data", h.opts.DataDir}
	if h.opts.DatabaseURL != "" {
		args = append(args, "--database-url", h.opts.DatabaseURL)
	}
	if out, err := exec.Command(h.bin, args...).CombinedOutput(); err != nil {
		t.Errorf("opora audit verify: %v\n%s", err, out)
	}
	h.kill()
	if len(h.refused) > 0 {
		t.Errorf("writes refused while the server was up:\n%s", strings.Join(h.refused, "\n"))
	}
	t.Logf("%d kills in %s; acknowledged: %v", kills, time.Since(began).Round(time.Millisecond), h.counts)
}

// pace keeps a writer at a steady rate; false when the round is over.
func pace(ctx context.Context) bool {
	select {
	case <-ctx.Done():
		return false
	case <-time.After(15 * time.Millisecond):
		return true
	}
}

// send does one request; ok false means no answer (the server died), and
// the writer stops for this round.
func (h *crashHarness) send(c *http.Client, req *http.Request) (status int, loc string, body []byte, ok bool) {
	res, err := c.Do(req)
	if err != nil {
		return 0, "", nil, false
	}
	defer res.Body.Close()
	body, err = io.ReadAll(res.Body)
	if err != nil {
		return 0, "", nil, false
	}
	return res.StatusCode, res.Header.Get("Location"), body, true
}

func (h *crashHarness) refuse(what string, status int, body []byte) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(body) > 300 {
		body = body[:300]
	}
	h.refused = append(h.refused, fmt.Sprintf("%s: %d %s", what, status, body))
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// writeServices records two services at a time through the API, each
// request's pair marked by its comment.
func (h *crashHarness) writeServices(ctx context.Context) {
	api := &http.Client{Timeout: 20 * time.Second}
	for pace(ctx) {
		key := "crash-" + randHex(8)
		client := h.clients[mrand.IntN(len(h.clients))]
		body, _ := json.Marshal(map[string]any{"items": []map[string]any{
			{"type_id": h.typeIDs[0], "quantity": 2, "comment": key}, {"type_id": h.typeIDs[1], "quantity": 3, "comment": key}}})
		req, _ := http.NewRequest(http.MethodPost, h.base+"/api/v1/clients/"+strconv.FormatInt(client, 10)+"/services",
			bytes.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+h.token)
		req.Header.Set("Content-Type", "application/json")
		h.mu.Lock()
		h.services[key] = nil
		h.mu.Unlock()
		status, _, out, ok := h.send(api, req)
		if !ok {
			return
		}
		var got struct {
			Items []struct {
				ID       int64
				Quantity int
				Comment  string
			}
		}
		if status != http.StatusCreated || json.Unmarshal(out, &got) != nil || len(got.Items) != 2 ||
			got.Items[0].Comment != key || got.Items[1].Comment != key {
			h.refuse("services", status, out)
			continue
		}
		h.mu.Lock()
		h.services[key] = []svc{{got.Items[0].ID, got.Items[0].Quantity}, {got.Items[1].ID, got.Items[1].Quantity}}
		h.counts["service requests"]++
		h.mu.Unlock()
	}
}

func tickUUID() string {
	b := randHex(16)
	return b[0:8] + "-" + b[8:12] + "-" + b[12:16] + "-" + b[16:20] + "-" + b[20:32]
}

// writeTicks sends the phone's batches: two new people, each ticked as
// come, and the first given food.
func (h *crashHarness) writeTicks(ctx context.Context) {
	for pace(ctx) {
		var persons []map[string]any
		var ticks []map[string]any
		var ids []string
		for i := 0; i < 2; i++ {
			uid := tickUUID()
			persons = append(persons, map[string]any{"uid": uid, "surname": "Пришедший", "first_name": "Тик", "birth_year": 1970 + i})
			id := tickUUID()
			ids = append(ids, id)
			ticks = append(ticks, map[string]any{"id": id, "person": "u" + uid, "item": 0, "at": time.Now().Format(time.RFC3339)})
		}
		body, _ := json.Marshal(map[string]any{"persons": persons, "ticks": ticks})
		req, _ := http.NewRequest(http.MethodPost, h.base+"/checkin/"+strconv.FormatInt(h.shift, 10)+"/ticks", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		h.mu.Lock()
		n := len(h.batches)
		h.batches = append(h.batches, tickBatch{ids: ids})
		h.mu.Unlock()
		status, _, out, ok := h.send(h.duty, req)
		if !ok {
			return
		}
		var got struct{ Results []struct{ ID, Status string } }
		if status != http.StatusOK || json.Unmarshal(out, &got) != nil || len(got.Results) != 2 ||
			got.Results[0].Status != "accepted" || got.Results[1].Status != "accepted" {
			h.refuse("ticks", status, out)
			continue
		}
		h.mu.Lock()
		h.batches[n].acked = true
		h.counts["tick batches"]++
		h.mu.Unlock()
	}
}

// taskCycle is the order a task's status is moved in.
var taskCycle = map[opora.TaskStatus]opora.TaskStatus{opora.TaskPlanned: opora.TaskInProgress,
	opora.TaskInProgress: opora.TaskDone, opora.TaskDone: opora.TaskPlanned}

// writeTasks moves the tasks' statuses round the cycle through the task page's form.
func (h *crashHarness) writeTasks(ctx context.Context) {
	for i := 0; pace(ctx); i++ {
		id := h.tasks[i%len(h.tasks)]
		h.mu.Lock()
		next := taskCycle[h.taskAcked[id]]
		h.taskPending[id] = next
		h.mu.Unlock()
		form := url.Values{"status": {string(next)}}
		req, _ := http.NewRequest(http.MethodPost, h.base+"/tasks/"+strconv.FormatInt(id, 10)+"/status",
			strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		status, loc, out, ok := h.send(h.admin, req)
		if !ok {
			return
		}
		if status != http.StatusSeeOther || loc != "/tasks/"+strconv.FormatInt(id, 10) {
			h.refuse("task status", status, out)
			continue
		}
		h.mu.Lock()
		h.taskAcked[id] = next
		delete(h.taskPending, id)
		h.counts["task status changes"]++
		h.mu.Unlock()
	}
}

// writeFiles uploads scans of known bytes (a few KiB to 300 KiB) to the
// clients' documents.
func (h *crashHarness) writeFiles(ctx context.Context) {
	for pace(ctx) {
		client := h.clients[mrand.IntN(len(h.clients))]
		data := []byte("%PDF-1.4\n% crash test " + randHex(16) + "\n")
		data = append(data, bytes.Repeat([]byte(randHex(32)), mrand.IntN(4000))...)
		sum := sha256.Sum256(data)
		var body bytes.Buffer
		mw := multipart.NewWriter(&body)
		_ = mw.WriteField("file_comment", "скан")
		w, _ := mw.CreateFormFile("file", "скан.pdf")
		_, _ = w.Write(data)
		_ = mw.Close()
		path := "/clients/" + strconv.FormatInt(client, 10)
		req, _ := http.NewRequest(http.MethodPost, h.base+path+"/files", &body)
		req.Header.Set("Content-Type", mw.FormDataContentType())
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		h.mu.Lock()
		h.uploads[hex.EncodeToString(sum[:])] = false
		h.mu.Unlock()
		status, loc, out, ok := h.send(h.admin, req)
		if !ok {
			return
		}
		if status != http.StatusSeeOther || loc != path+"/documents" {
			h.refuse("upload", status, out)
			continue
		}
		h.mu.Lock()
		h.uploads[hex.EncodeToString(sum[:])] = true
		h.counts["uploads"]++
		h.mu.Unlock()
	}
}

// verify checks the database and the files folder after a restart.
// verify returns the files on disk without a row and the temporary files.
func (h *crashHarness) verify(round int) (orphans, temps int) {
	t := h.t
	ctx := context.Background()
	errorf := func(format string, args ...any) { t.Errorf("kill %d: "+format, append([]any{round}, args...)...) }

	// Services: an acknowledged request's two rows with their values; an
	// unanswered one's two rows or none.
	byKey := map[string][]svc{}
	rows := h.query(`SELECT id, comment, quantity FROM services WHERE deleted_at IS NULL ORDER BY id`)
	for rows.Next() {
		var s svc
		var comment string
		if err := rows.Scan(&s.id, &comment, &s.quantity); err != nil {
			t.Fatal(err)
		}
		byKey[comment] = append(byKey[comment], s)
	}
	h.closeRows(rows)
	for key, acked := range h.services {
		got := byKey[key]
		switch {
		case acked != nil && !slices.Equal(got, acked):
			errorf("acknowledged services %s (ids %v) read back as %v", key, acked, got)
		case acked == nil && len(got) != 0 && len(got) != 2:
			errorf("services %s half-written: %v", key, got)
		}
		delete(byKey, key)
	}
	for key := range byKey {
		errorf("services %s were never sent", key)
	}

	// Tick batches: acknowledged ones whole; others whole or absent.
	visits := map[string]bool{}
	rows = h.query(`SELECT tick_id FROM checkin_visits`)
	for rows.Next() {
		var id string
		if err := rows.Scan(&id); err != nil {
			t.Fatal(err)
		}
		visits[id] = true
	}
	h.closeRows(rows)
	for _, b := range h.batches {
		n := 0
		for _, id := range b.ids {
			if visits[id] {
				n++
			}
		}
		if b.acked && n != len(b.ids) || n != 0 && n != len(b.ids) {
			errorf("tick batch %v (acknowledged %v): %d of its visits recorded", b.ids, b.acked, n)
		}
	}

	// Every person the phone added came with a tick: as many people as visits.
	var people, visitRows int
	if err := h.db.QueryRow(`SELECT (SELECT COUNT(*) FROM checkin_persons), (SELECT COUNT(*) FROM checkin_visits)`).
		Scan(&people, &visitRows); err != nil {
		t.Fatal(err)
	}
	if people != visitRows {
		errorf("%d check-in people for %d visits", people, visitRows)
	}

	// Tasks: the status last acknowledged, or the one sent at the kill;
	// a done task has its day, another has none.
	rows = h.query(`SELECT id, status, done_on IS NOT NULL FROM case_tasks`)
	for rows.Next() {
		var id int64
		var status opora.TaskStatus
		var done bool
		if err := rows.Scan(&id, &status, &done); err != nil {
			t.Fatal(err)
		}
		acked, ok := h.taskAcked[id]
		if !ok {
			errorf("task %d was never made", id)
			continue
		}
		if pending, sent := h.taskPending[id]; status != acked && !(sent && status == pending) {
			errorf("task %d is %s; acknowledged %s, sent at the kill %q", id, status, acked, pending)
		}
		if done != (status == opora.TaskDone) {
			errorf("task %d is %s with done_on set %v", id, status, done)
		}
		h.taskAcked[id] = status // what the next round starts from
		delete(h.taskPending, id)
	}
	h.closeRows(rows)

	// Files: every row's bytes on disk with its checksum; every
	// acknowledged upload has its row.
	root := filepath.Join(h.opts.DataDir, files.DirName)
	storage := files.New(h.opts.DataDir)
	keys, rowSums := map[string]bool{}, map[string]bool{}
	rows = h.query(`SELECT storage_key, sha256, size FROM files`)
	for rows.Next() {
		var key, sum string
		var size int64
		if err := rows.Scan(&key, &sum, &size); err != nil {
			t.Fatal(err)
		}
		keys[key] = true
		obj, err := storage.Open(key)
		if err != nil {
			errorf("file row %s without its bytes: %v", key, err)
			continue
		}
		hash := sha256.New()
		n, err := io.Copy(hash, obj)
		obj.Close()
		if err != nil || n != size || hex.EncodeToString(hash.Sum(nil)) != sum {
			errorf("file %s: %d bytes (row says %d), checksum %x (row says %s), %v", key, n, size, hash.Sum(nil), sum, err)
		}
		rowSums[sum] = true
	}
	h.closeRows(rows)
	for sum, acked := range h.uploads {
		if acked && !rowSums[sum] {
			errorf("acknowledged upload %s has no file row", sum)
		}
	}
	rows = h.query(`SELECT storage_key FROM file_removals`)
	for rows.Next() {
		var key string
		if err := rows.Scan(&key); err != nil {
			t.Fatal(err)
		}
		keys[key] = true
	}
	h.closeRows(rows)
	// Files on disk without a row: only the bytes of an upload the kill
	// cut short (written, its row not committed).
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		rel = filepath.ToSlash(rel)
		if strings.HasPrefix(d.Name(), ".upload-") {
			temps++
			return nil
		}
		if keys[rel] {
			return nil
		}
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(data)
		if acked, ok := h.uploads[hex.EncodeToString(sum[:])]; !ok || acked {
			errorf("file %s on disk has no row and is no upload cut short by a kill", rel)
		}
		orphans++
		return nil
	})
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	if orphans+temps > 0 {
		t.Logf("kill %d: the files folder holds %d files without a row (uploads cut short) and %d temporary files",
			round, orphans, temps)
	}

	// Derived counts and the audit chain.
	drift, err := h.st.DerivedDrift(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range drift {
		errorf("a derived table differs from its sources: %s", d)
	}
	v, err := h.st.VerifyAudit(opora.WithActor(ctx, opora.SystemActor(0)), nil)
	if err != nil {
		t.Fatal(err)
	} else if !v.OK {
		errorf("the audit chain is broken: %s", v.Detail)
	}
	return orphans, temps
}

// backdateAndPlant makes every file in the files folder a day and an hour
// old, adds a temporary file and bytes under a key no row names, and
// returns how many leftovers (files without a row, temporary files) the
// folder then holds.
func (h *crashHarness) backdateAndPlant() int {
	t := h.t
	root := filepath.Join(h.opts.DataDir, files.DirName)
	dir := filepath.Join(root, strconv.FormatInt(h.fx.Org.ID, 10), strconv.Itoa(time.Now().UTC().Year()))
	for _, name := range []string{".upload-123456", randHex(16)} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("left behind"), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	keys := map[string]bool{}
	for _, q := range []string{`SELECT storage_key FROM files`, `SELECT storage_key FROM file_removals`} {
		rows := h.query(q)
		for rows.Next() {
			var k string
			if err := rows.Scan(&k); err != nil {
				t.Fatal(err)
			}
			keys[k] = true
		}
		h.closeRows(rows)
	}
	old := time.Now().Add(-25 * time.Hour)
	left := 0
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if !keys[filepath.ToSlash(rel)] {
			left++
		}
		return os.Chtimes(p, old, old)
	})
	if err != nil {
		t.Fatal(err)
	}
	return left
}

func (h *crashHarness) query(q string) *sql.Rows {
	rows, err := h.db.Query(q)
	if err != nil {
		h.t.Fatalf("%s: %v", q, err)
	}
	return rows
}

func (h *crashHarness) closeRows(rows *sql.Rows) {
	if err := rows.Err(); err != nil {
		h.t.Fatal(err)
	}
	rows.Close()
}
