package demo

import (
	"context"
	"testing"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// The regional demo: three municipalities with every kind of agency and a
// charity, a login for every role that signs in as that role, and the
// kindergarten example ready: the curator of the printed login sees the
// kindergarten place done by the kindergarten and the job search in
// progress at the employment centre; some tasks are overdue.
func TestNetworkDemo(t *testing.T) {
	auth.SetParamsForTests()
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		ctx := context.Background()
		db := storetest.RawDB(t, st)
		logins, err := GenerateNetwork(ctx, st, 1)
		if err != nil {
			t.Fatal(err)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM territories WHERE kind = 'municipality'`); got != NetworkMunicipalities {
			t.Errorf("%v municipalities", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM organisations WHERE type = 'ngo'`); got != NetworkMunicipalities {
			t.Errorf("%v charities", got)
		}
		roles := map[string]bool{}
		var curator, gardenHead int64
		for _, l := range logins {
			var id int64
			if err := db.QueryRow(`SELECT u.id FROM users u JOIN user_roles ur ON ur.user_id = u.id JOIN roles r ON r.id = ur.role_id
				WHERE u.login = $1 AND r.key = $2`, l.Login, l.Role).Scan(&id); err != nil {
				t.Errorf("login %s is not a %s: %v", l.Login, l.Role, err)
				continue
			}
			roles[l.Role] = true
			if l.Role == "curator" {
				curator = id
			}
			if l.Role == "agency_head" && gardenHead == 0 && count(t, db, `SELECT COUNT(*) FROM users u JOIN organisations o
				ON o.id = u.organisation_id WHERE u.id = $1 AND o.type = 'kindergarten'`, id) == 1 {
				gardenHead = id
			}
		}
		for _, r := range []string{"network_admin", "regional_analyst", "kdn_secretary", "curator", "agency_head", "agency_specialist"} {
			if !roles[r] {
				t.Errorf("no login for %s: %v", r, logins)
			}
		}
		cur := storetest.CtxOf(t, st, curator)
		families, err := st.MyFamilies(cur)
		if err != nil || len(families) == 0 {
			t.Fatalf("the curator's families: %v %d", err, len(families))
		}
		statuses := map[string]opora.TaskStatus{}
		for _, f := range families {
			tasks, err := st.FamilyTasks(cur, f.ID)
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range tasks {
				statuses[x.TypeLabel] = x.Status
			}
		}
		if statuses["Место в детском саду"] != opora.TaskDone || statuses["Подбор вакансий"] != opora.TaskInProgress {
			t.Errorf("the kindergarten example: %v", statuses)
		}
		if gardenHead == 0 {
			t.Fatal("no kindergarten head among the logins")
		}
		if got := count(t, db, `SELECT COUNT(*) FROM case_tasks t JOIN users u ON u.organisation_id = t.responsible_org_id
			WHERE u.id = $1 AND t.status = 'done'`, gardenHead); got < 1 {
			t.Errorf("the kindergarten's queue has %v done tasks", got)
		}
		if got := count(t, db, `SELECT COUNT(*) FROM case_tasks WHERE family_id IS NOT NULL AND due_on < $1
			AND status IN ('planned', 'accepted', 'in_progress')`, st.Today()); got < NetworkMunicipalities {
			t.Errorf("%v overdue tasks", got)
		}
	})
}
