package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// shelterSetup makes a room with one place and two clients through the pages.
func shelterSetup(t *testing.T, a *app, fx *storetest.Fixture, c *client) (roomID string, first, second string) {
	t.Helper()
	res := c.post("/shelter/rooms", url.Values{"branch_id": {idString(fx.Branch.ID)}, "name": {"Комната 7"}, "capacity": {"1"}})
	if res.Status != http.StatusSeeOther {
		t.Fatalf("create room: %d %s", res.Status, res.Body)
	}
	rooms, err := a.st.Rooms(fx.Ctx(), false)
	if err != nil || len(rooms) != 1 {
		t.Fatalf("rooms: %v %d", err, len(rooms))
	}
	roomID = idString(rooms[0].ID)
	first = c.post("/clients", url.Values{"surname": {"Жильцов"}, "first_name": {"Пётр"}, "branch_id": {idString(fx.Branch.ID)},
		"confirm_new": {"1"}}).Location
	second = c.post("/clients", url.Values{"surname": {"Новиков"}, "first_name": {"Олег"}, "branch_id": {idString(fx.Branch.ID)},
		"confirm_new": {"1"}}).Location
	if first == "" || second == "" {
		t.Fatal("clients not created")
	}
	return roomID, first, second
}

func TestShelterPages(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		// Bad capacity: refused next to the field, typed name kept.
		res := c.post("/shelter/rooms", url.Values{"branch_id": {idString(fx.Branch.ID)}, "name": {"Большая"}, "capacity": {"0"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("capacity 0: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите число мест", `value="Большая"`)
		roomID, first, second := shelterSetup(t, a, fx, c)
		today := a.st.Today().Format("02.01.2006")

		res = c.post(first+"/shelter/checkin", url.Values{"room_id": {roomID}, "check_in": {today}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("check-in: %d %s", res.Status, res.Body)
		}
		// The room is full: refused, naming the resident, nothing saved.
		res = c.post(second+"/shelter/checkin", url.Values{"room_id": {roomID}, "check_in": {today}, "comment": {"с вокзала"}})
		if res.Status != http.StatusConflict {
			t.Fatalf("full room: %d", res.Status)
		}
		mustContain(t, res.Body, "Комната заполнена", "Жильцов Пётр", "с вокзала")
		if p := c.get(second + "/shelter"); !strings.Contains(p.Body, "Сейчас не проживает") {
			t.Fatal("the refused check-in was saved")
		}
		// The occupancy page: the resident linked, no free places, totals.
		p := c.get("/shelter")
		if p.Status != http.StatusOK {
			t.Fatalf("/shelter: %d", p.Status)
		}
		mustContain(t, p.Body, "Комната 7", `href="`+first+`/shelter"`, "Жильцов Пётр")
		// A specialist of another branch sees the place taken, not the name.
		other := &opora.Branch{Name: "Дальний филиал"}
		if err := a.st.SaveBranch(fx.Ctx(), other); err != nil {
			t.Fatal(err)
		}
		u := &opora.User{Login: "far", FullName: "Дальний специалист", BranchIDs: []int64{other.ID},
			RoleIDs: []int64{fx.Role(t, "specialist").ID}}
		if err := a.st.CreateUser(fx.Ctx(), u, storetest.PasswordHash); err != nil {
			t.Fatal(err)
		}
		setPassword(t, a.st, u.ID, fx.Org.ID)
		far := a.login(t, "far", testPassword)
		p = far.get("/shelter")
		mustContain(t, p.Body, "Комната 7", "занято")
		if strings.Contains(p.Body, "Жильцов") {
			t.Fatal("an out-of-scope resident is named on /shelter")
		}
		// A second open stay is refused.
		c.post("/shelter/rooms", url.Values{"branch_id": {idString(fx.Branch.ID)}, "name": {"Комната 8"}, "capacity": {"2"}})
		rooms, _ := a.st.Rooms(fx.Ctx(), false)
		var room8 string
		for _, r := range rooms {
			if r.Name == "Комната 8" {
				room8 = idString(r.ID)
			}
		}
		res = c.post(first+"/shelter/checkin", url.Values{"room_id": {room8}, "check_in": {today}})
		if res.Status != http.StatusConflict || !strings.Contains(res.Body, "уже проживает") {
			t.Fatalf("second open stay: %d", res.Status)
		}
		// Check-out: eviction needs a reason; then the stay ends.
		stays, _ := a.st.ClientStays(fx.Ctx(), mustID(t, first))
		out := first + "/shelter/stays/" + idString(stays[0].ID) + "/checkout"
		res = c.post(out, url.Values{"out_status": {"evicted"}, "check_out": {today}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("eviction without reason: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите, какие правила нарушены")
		res = c.post(out, url.Values{"out_status": {"evicted"}, "check_out": {today}, "reason": {"драка"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("check-out: %d %s", res.Status, res.Body)
		}
		p = c.get(first + "/shelter")
		mustContain(t, p.Body, "выселен(а) за нарушение правил", "драка")
		tl := c.get(first + "/timeline?kind=stay")
		mustContain(t, tl.Body, "Комната 7", "драка")
		// Another organisation: 404 on the tab and the actions.
		fb := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, fb.Admin.ID, fb.Org.ID)
		oc := a.login(t, fb.Admin.Login, testPassword)
		for _, r := range []response{oc.get(first + "/shelter"), oc.get("/shelter/rooms/" + roomID),
			oc.post(second+"/shelter/checkin", url.Values{"room_id": {roomID}, "check_in": {today}}),
			oc.post("/shelter/rooms/"+roomID, url.Values{"branch_id": {idString(fb.Branch.ID)}, "name": {"X"}, "capacity": {"3"}})} {
			if r.Status != http.StatusNotFound {
				t.Fatalf("other organisation: %d", r.Status)
			}
		}
		if p := oc.get("/shelter"); strings.Contains(p.Body, "Комната 7") {
			t.Fatal("another organisation sees the room")
		}
	})
}

func mustID(t *testing.T, loc string) int64 {
	t.Helper()
	id, err := strconv.ParseInt(strings.TrimPrefix(loc, "/clients/"), 10, 64)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func TestShelterMedicalHidden(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		a.st.Now = func() time.Time { return time.Date(2026, 3, 10, 12, 0, 0, 0, time.UTC) }
		c := a.login(t, "admin", testPassword)
		roomID, first, _ := shelterSetup(t, a, fx, c)
		if r := c.post(first+"/shelter/checkin", url.Values{"room_id": {roomID}, "check_in": {"01.03.2026"}}); r.Status != http.StatusSeeOther {
			t.Fatalf("check-in: %d", r.Status)
		}
		// Hepatitis without a next due date: refused next to the field.
		res := c.post(first+"/shelter/medical", url.Values{"med_type": {"hepatitis"}, "done_on": {"01.03.2026"}})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("hepatitis without next due: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите дату следующей прививки")
		// Fluorography done 17.02.2025: due 17.02.2026, overdue now.
		res = c.post(first+"/shelter/medical", url.Values{"med_type": {"fluorography"}, "done_on": {"17.02.2025"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("medical: %d %s", res.Status, res.Body)
		}
		for _, path := range []string{first + "/shelter", first, "/shelter"} {
			mustContain(t, c.get(path).Body, "17.02.2026", "просрочено")
		}
		mustContain(t, c.get(first+"/timeline").Body, "17.02.2025")
		// A specialist without client.sensitive.health sees none of the dates.
		u, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		spec := a.login(t, "spec", testPassword)
		for _, path := range []string{first + "/shelter", first, "/shelter", first + "/timeline"} {
			body := spec.get(path).Body
			for _, secret := range []string{"17.02.2025", "17.02.2026", "Флюорография", "просрочено"} {
				if strings.Contains(body, secret) {
					t.Fatalf("%s shows %q to a specialist without the health permission", path, secret)
				}
			}
		}
		if r := spec.post(first+"/shelter/medical", url.Values{"med_type": {"typhus"}, "done_on": {"01.03.2026"}}); r.Status != http.StatusForbidden {
			t.Fatalf("specialist adds a medical check: %d", r.Status)
		}
	})
}
