package web

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

func tickID(t testing.TB) string {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// postJSON sends JSON the way the page's fetch does (same origin).
func (c *client) postJSON(path string, v any) response {
	c.t.Helper()
	b, _ := json.Marshal(v)
	req, _ := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(b))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	return c.do(req)
}

type tickAnswer struct {
	Results []struct{ ID, Status, Message string } `json:"results"`
	Counts  struct {
		People int            `json:"people"`
		Items  map[string]int `json:"items"`
	} `json:"counts"`
}

func decodeTicks(t *testing.T, res response) tickAnswer {
	t.Helper()
	if res.Status != http.StatusOK {
		t.Fatalf("ticks: status %d: %s", res.Status, res.Body)
	}
	var a tickAnswer
	if err := json.Unmarshal([]byte(res.Body), &a); err != nil {
		t.Fatalf("ticks: %v in %s", err, res.Body)
	}
	return a
}

var shiftPath = regexp.MustCompile(`^/checkin/(\d+)$`)

// checkinPointAndShift makes a point through the admin screens and opens a
// shift as a duty worker; it returns the duty worker's browser and the shift path.
func checkinPointAndShift(t *testing.T, a *app, fx *storetest.Fixture) (admin, duty *client, shift string) {
	t.Helper()
	admin = a.login(t, "admin", testPassword)
	res := admin.post("/checkin/points/new", url.Values{"name": {"Обогрев на Боровой"}, "kind": {"warming"},
		"branch_id": {idString(fx.Branch.ID)}, "items": {"Еда\nЧай\n"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create point: %d %s", res.Status, res.Body)
	}
	mustContain(t, admin.get("/checkin/points").Body, "Обогрев на Боровой", "Пункт обогрева", "Еда", "Чай")
	u, _ := fx.AddUser(t, "duty", "duty")
	setPassword(t, a.st, u.ID, fx.Org.ID)
	duty = a.login(t, "duty", testPassword)
	home := duty.get("/checkin")
	mustContain(t, home.Body, "Открыть смену", "Обогрев на Боровой")
	pts, err := a.st.CheckinPoints(fx.Ctx(), false)
	if err != nil || len(pts) != 1 {
		t.Fatal(err)
	}
	res = duty.post("/checkin/shifts", url.Values{"point_id": {idString(pts[0].ID)}, "date": {"15.01.2026"},
		"starts": {"21:00"}, "ends": {"02:00"}})
	if res.Status != http.StatusSeeOther || !shiftPath.MatchString(res.Location) {
		t.Fatalf("open shift: %d %q %s", res.Status, res.Location, res.Body)
	}
	return admin, duty, res.Location
}

func TestCheckinDutyPageAndTicks(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin, duty, shift := checkinPointAndShift(t, a, fx)
		// A client with a rule violation and a note the duty worker must not see.
		c := &opora.Client{Surname: "Буянов", FirstName: "Пётр", BranchID: fx.Branch.ID}
		if err := a.st.CreateClient(fx.Ctx(), c); err != nil {
			t.Fatal(err)
		}
		r := &opora.Restriction{ClientID: c.ID, Kind: opora.RestrictionViolation, Description: "Драка в автобусе",
			StartsOn: a.st.Today().AddDate(0, 0, -1)}
		if err := a.st.CreateRestriction(fx.Ctx(), r); err != nil {
			t.Fatal(err)
		}
		page := duty.get(shift)
		if page.Status != http.StatusOK {
			t.Fatalf("duty page %d", page.Status)
		}
		mustContain(t, page.Body, "Обогрев на Боровой", "/static/checkin.js?v=", "/static/checkin.css?v=", "Пришёл", "Еда", "Чай",
			"Новый человек")
		for _, no := range []string{"htmx", "opora.css", "<script>"} {
			if strings.Contains(page.Body, no) {
				t.Errorf("duty page includes %q", no)
			}
		}
		// The duty worker has no client record screens.
		if res := duty.get("/clients/" + idString(c.ID)); res.Status != http.StatusForbidden {
			t.Fatalf("duty sees the profile: %d", res.Status)
		}
		if res := duty.get("/checkin/points/new"); res.Status != http.StatusForbidden {
			t.Fatalf("duty manages points: %d", res.Status)
		}
		// The service worker is served under /checkin/ with its version.
		sw := duty.get("/checkin/sw.js")
		if sw.Status != http.StatusOK || strings.Contains(sw.Body, "__VERSION__") || !strings.Contains(sw.Header.Get("Content-Type"), "javascript") {
			t.Fatalf("sw.js: %d %s", sw.Status, sw.Header.Get("Content-Type"))
		}
		// Search by the first letters finds the client with the violation, but nothing else of the record.
		found := duty.get(shift + "/search.json?q=" + url.QueryEscape("буя"))
		mustContain(t, found.Body, "Буянов", "Драка в автобусе", `"k":"c`+idString(c.ID)+`"`)
		if strings.Contains(found.Body, "photo") {
			t.Errorf("duty gets a thumbnail: %s", found.Body)
		}
		// Tick the client and add a new person; replay; the same from another phone.
		newUID := tickID(t)
		batch := map[string]any{
			"persons": []map[string]any{{"uid": newUID, "surname": "Новиков", "first_name": "Олег", "age": 40, "gender": "male"}},
			"ticks": []map[string]any{
				{"id": tickID(t), "person": "c" + idString(c.ID), "item": 0, "at": "2030-01-01T00:00:00Z"},
				{"id": tickID(t), "person": "u" + newUID, "item": 0},
			},
		}
		ans := decodeTicks(t, duty.postJSON(shift+"/ticks", batch))
		if len(ans.Results) != 2 || ans.Results[0].Status != "accepted" || ans.Results[1].Status != "accepted" || ans.Counts.People != 2 {
			t.Fatalf("first send: %+v", ans)
		}
		for range 2 {
			ans = decodeTicks(t, duty.postJSON(shift+"/ticks", batch))
			if ans.Results[0].Status != "duplicate" || ans.Results[1].Status != "duplicate" || ans.Counts.People != 2 {
				t.Fatalf("replay: %+v", ans)
			}
		}
		people := duty.get(shift + "/people.json")
		mustContain(t, people.Body, "Новиков", "Буянов", "Драка в автобусе", `"u":"`+newUID+`"`)
		// Garbage is a clear 400 in JSON, not a page.
		bad := duty.postJSON(shift+"/ticks", "nonsense")
		if bad.Status != http.StatusBadRequest || !strings.Contains(bad.Body, "непонятные") {
			t.Fatalf("bad batch: %d %s", bad.Status, bad.Body)
		}
		// A cross-site post is refused.
		req, _ := http.NewRequest(http.MethodPost, duty.base+shift+"/ticks", strings.NewReader("{}"))
		req.Header.Set("Sec-Fetch-Site", "cross-site")
		if res := duty.do(req); res.Status != http.StatusForbidden {
			t.Fatalf("cross-site ticks: %d", res.Status)
		}
		// Closing the shift: late ticks are refused with a message in Russian.
		id := shiftPath.FindStringSubmatch(shift)[1]
		if res := duty.post("/checkin/shifts/"+id+"/close", nil); res.Status != http.StatusSeeOther {
			t.Fatalf("close: %d", res.Status)
		}
		late := decodeTicks(t, duty.postJSON(shift+"/ticks", map[string]any{"ticks": []map[string]any{
			{"id": tickID(t), "person": "u" + newUID, "item": 0}}}))
		if late.Results[0].Status != "refused" || !strings.Contains(late.Results[0].Message, "смена уже закрыта") {
			t.Fatalf("late tick: %+v", late)
		}
		mustContain(t, duty.get(shift).Body, "Смена закрыта")
		// The shift's list, export (audited) and the other organisation.
		list := admin.get("/checkin/shifts/" + id + "/list")
		mustContain(t, list.Body, "Буянов Пётр", "Новиков Олег", "Людей: <b>2</b>")
		csv := admin.download("/checkin/shifts/"+id+"/export?format=csv", "сверка")
		if csv.Status != http.StatusOK || !strings.Contains(csv.Body, "Новиков Олег") || !strings.Contains(csv.Body, "15.01.2026") {
			t.Fatalf("csv: %d %s", csv.Status, csv.Body)
		}
		xl := admin.download("/checkin/shifts/"+id+"/export?format=xlsx", "сверка")
		f, err := excelize.OpenReader(strings.NewReader(xl.Body))
		if err != nil {
			t.Fatalf("xlsx: %v", err)
		}
		rows, _ := f.GetRows(f.GetSheetName(0))
		if len(rows) != 6 || rows[3][2] != "Фамилия и имя" || !strings.HasPrefix(rows[0][0], "Выгрузил: ") {
			t.Fatalf("xlsx rows %v", rows)
		}
		typ, _ := f.GetCellType(f.GetSheetName(0), "A5")
		ytyp, _ := f.GetCellType(f.GetSheetName(0), "D6")
		if typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString || ytyp == excelize.CellTypeSharedString ||
			ytyp == excelize.CellTypeInlineString {
			t.Fatalf("xlsx date cell type %v, year cell type %v", typ, ytyp)
		}
		entries, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionExport, Entity: "checkin_shift"})
		if err != nil || len(entries) != 2 {
			t.Fatalf("export audit: %v %d", err, len(entries))
		}
		if res := duty.download("/checkin/shifts/"+id+"/export?format=csv", "сверка"); res.Status != http.StatusForbidden {
			t.Fatalf("duty export: %d", res.Status)
		}
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		stranger := a.login(t, other.Admin.Login, testPassword)
		if res := stranger.get(shift); res.Status != http.StatusNotFound {
			t.Fatalf("other org page: %d", res.Status)
		}
		if res := stranger.postJSON(shift+"/ticks", batch); res.Status != http.StatusNotFound || !strings.Contains(res.Header.Get("Content-Type"), "json") {
			t.Fatalf("other org ticks: %d", res.Status)
		}
		// Without a session the API answers 401 JSON, not a login page.
		if res := a.client(t).postJSON(shift+"/ticks", batch); res.Status != http.StatusUnauthorized {
			t.Fatalf("anonymous ticks: %d", res.Status)
		}
	})
}

func TestCheckinPersonBecomesClient(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin, duty, shift := checkinPointAndShift(t, a, fx)
		uid := tickID(t)
		decodeTicks(t, duty.postJSON(shift+"/ticks", map[string]any{
			"persons": []map[string]any{{"uid": uid, "surname": "Ветров", "first_name": "Иван", "birth_year": 1971}},
			"ticks":   []map[string]any{{"id": tickID(t), "person": "u" + uid, "item": 0}}}))
		list := admin.get("/checkin/persons")
		mustContain(t, list.Body, "Ветров Иван", "1971")
		persons, _, err := a.st.CheckinPersons(fx.Ctx(), "ветр", true, 0, 10)
		if err != nil || len(persons) != 1 {
			t.Fatalf("persons %v %d", err, len(persons))
		}
		p := "/checkin/persons/" + idString(persons[0].ID)
		mustContain(t, admin.get(p+"/view").Body, "Ветров Иван", "Завести карточку клиента", "Обогрев")
		// Linking to a missing record shows the error next to the field.
		res := admin.post(p+"/link", url.Values{"client_id": {"999999"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("bad link: %d", res.Status)
		}
		mustContain(t, res.Body, "Карточка с таким номером не найдена", `value="999999"`)
		res = admin.post(p+"/client", url.Values{"branch_id": {idString(fx.Branch.ID)}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, "/clients/") {
			t.Fatalf("make client: %d %s", res.Status, res.Body)
		}
		tl := admin.get(res.Location + "/timeline")
		mustContain(t, tl.Body, "Обогрев на Боровой")
		// The duty worker cannot see the persons list.
		if res := duty.get("/checkin/persons"); res.Status != http.StatusForbidden {
			t.Fatalf("duty persons: %d", res.Status)
		}
		_ = context.Background
	})
}

// TestCheckinPageWeight measures what a phone downloads for the duty page,
// gzip-compressed, and keeps it within the 30 KB budget. Run with
// -v to see the figures (docs/PERFORMANCE.md quotes them).
func TestCheckinPageWeight(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		_, duty, shift := checkinPointAndShift(t, a, fx)
		v := checkinVersion()
		total := 0
		for _, p := range []string{shift, "/static/checkin.css?v=" + v, "/static/checkin.js?v=" + v, "/checkin/sw.js", shift + "/people.json"} {
			res := duty.get(p)
			if res.Status != http.StatusOK {
				t.Fatalf("%s: %d", p, res.Status)
			}
			var buf bytes.Buffer
			zw, _ := gzip.NewWriterLevel(&buf, gzip.DefaultCompression)
			_, _ = zw.Write([]byte(res.Body))
			_ = zw.Close()
			t.Logf("%-40s %6d bytes, %5d gzip", strings.SplitN(p, "?", 2)[0], len(res.Body), buf.Len())
			if !strings.HasSuffix(p, "people.json") {
				total += buf.Len()
			}
		}
		t.Logf("page total (HTML, CSS, JS, service worker): %d bytes gzip", total)
		if total > 30*1024 {
			t.Fatalf("the duty page weighs %d bytes gzip, over 30 KB", total)
		}
	})
}

// BenchmarkCheckinTick measures one tick ("came" for a new person, the
// page's smallest request) through HTTP on the given database.
func BenchmarkCheckinTick(b *testing.B) {
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			st := storetest.Open(b, d)
			fx := storetest.SetupOrg(b, st, "Ночлежка")
			p := &opora.CheckinPoint{BranchID: fx.Branch.ID, Kind: opora.PointWarming, Name: "Обогрев"}
			if err := st.SaveCheckinPoint(fx.Ctx(), p, []string{"Еда"}); err != nil {
				b.Fatal(err)
			}
			sh := &opora.CheckinShift{PointID: p.ID, Date: st.Today(), Starts: "20:00", Ends: "08:00"}
			if err := st.OpenCheckinShift(fx.Ctx(), sh); err != nil {
				b.Fatal(err)
			}
			setPassword(b, st, fx.Admin.ID, fx.Org.ID)
			a := newApp(b, st)
			c := a.login(b, "admin", testPassword)
			path := "/checkin/" + idString(sh.ID) + "/ticks"
			for b.Loop() {
				uid := tickID(b)
				res := c.postJSON(path, map[string]any{
					"persons": []map[string]any{{"uid": uid, "surname": "Иванов", "birth_year": 1970}},
					"ticks":   []map[string]any{{"id": tickID(b), "person": "u" + uid, "item": 0}}})
				if res.Status != http.StatusOK || !strings.Contains(res.Body, "accepted") {
					b.Fatalf("tick: %d %s", res.Status, res.Body)
				}
			}
		})
	}
}

// A second shift at the same point and day is offered the first one
// before it is opened; a tick made by mistake is taken back; the point form
// says what its checkbox means; the duty page has a heading.
func TestCheckinSameShiftAndUndo(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin, duty, shift := checkinPointAndShift(t, a, fx)
		pts, err := a.st.CheckinPoints(fx.Ctx(), false)
		if err != nil || len(pts) != 1 {
			t.Fatal(err)
		}
		again := url.Values{"point_id": {idString(pts[0].ID)}, "date": {"15.01.2026"}, "starts": {"21:00"}, "ends": {"02:00"}}
		res := duty.post("/checkin/shifts", again)
		if res.Status != http.StatusConflict {
			t.Fatalf("second shift: %d %s", res.Status, res.Body)
		}
		mustContain(t, res.Body, "уже открыта смена", `href="`+shift+`"`, "Всё равно открыть ещё одну смену",
			`name="again" value="1"`, `value="21:00"`)
		if shifts, _ := a.st.CheckinShifts(fx.Ctx(), opora.NewDate(2026, 1, 15), opora.NewDate(2026, 1, 15), 10); len(shifts) != 1 {
			t.Fatalf("a second shift opened without asking: %d", len(shifts))
		}
		again.Set("again", "1")
		if res := duty.post("/checkin/shifts", again); res.Status != http.StatusSeeOther || res.Location == shift {
			t.Fatalf("confirmed second shift: %d %s", res.Status, res.Location)
		}
		mustContain(t, duty.get(shift).Body, "<h1>Обогрев на Боровой</h1>")
		edit := admin.get("/checkin/points/" + idString(pts[0].ID) + "/edit")
		mustContain(t, edit.Body, "Пункт больше не работает")
		if strings.Contains(edit.Body, "Филиал закрыт") {
			t.Errorf("the point form speaks of a branch")
		}
		// Came and food, then food taken back; the undo sent again removes nothing more.
		uid, came, food := tickID(t), tickID(t), tickID(t)
		item := idString(pts[0].Items[0].ID)
		ans := decodeTicks(t, duty.postJSON(shift+"/ticks", map[string]any{
			"persons": []map[string]any{{"uid": uid, "surname": "Сидоров", "first_name": "Иван"}},
			"ticks":   []map[string]any{{"id": came, "person": "u" + uid, "item": 0}, {"id": food, "person": "u" + uid, "item": pts[0].Items[0].ID}}}))
		if ans.Counts.Items[item] != 1 {
			t.Fatalf("ticks: %+v", ans)
		}
		undo := map[string]any{"undos": []map[string]any{{"id": tickID(t), "tick": food}}}
		ans = decodeTicks(t, duty.postJSON(shift+"/ticks", undo))
		if len(ans.Results) != 1 || ans.Results[0].Status != "accepted" || ans.Counts.Items[item] != 0 || ans.Counts.People != 1 {
			t.Fatalf("undo: %+v", ans)
		}
		ans = decodeTicks(t, duty.postJSON(shift+"/ticks", undo))
		if ans.Results[0].Status != "duplicate" || ans.Counts.Items["0"] != 1 {
			t.Fatalf("undo again: %+v", ans)
		}
		list := admin.get("/checkin/shifts/" + shiftPath.FindStringSubmatch(shift)[1] + "/list")
		mustContain(t, list.Body, "Сидоров Иван", "Людей: <b>1</b>", "Еда: <b>0</b>")
	})
}
