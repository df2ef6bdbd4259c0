package web

import (
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// A worker who may not see the sensitive sections of the questionnaire is
// told which ones exist and whom to ask, on the profile and on the
// questionnaire, without a word of what they hold; one who may see them
// is not told anything.
func TestHiddenSectionsAreNamed(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		path := newQuestionnaireClient(t, admin, fx)
		qa, err := a.st.Questionnaire(fx.Ctx(), clientIDOf(t, path))
		if err != nil {
			t.Fatal(err)
		}
		dis := fieldByKey(t, qa, "diseases")
		if res := admin.post(path+"/questionnaire/edit", url.Values{"f" + idString(dis.ID): {optionByLabel(t, dis, "ВИЧ")}}); res.Status >= 400 {
			t.Fatalf("answer: %d", res.Status)
		}
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		for _, p := range []string{path, path + "/questionnaire"} {
			page := sc.get(p).Body
			mustContain(t, page, "3 раздела скрыто: здоровье, зависимости, судимость — обратитесь к администратору")
			for _, secret := range []string{"ВИЧ", "Заболевания"} {
				if strings.Contains(page, secret) {
					t.Errorf("the specialist sees %q on %s", secret, p)
				}
			}
			if strings.Contains(admin.get(p).Body, "скрыт") {
				t.Errorf("the administrator is told of hidden sections on %s", p)
			}
		}
		// Given the health permission, two sections are left hidden.
		role := fx.Role(t, "specialist")
		role.Permissions = append(role.Permissions, opora.PermSensitiveHealth)
		if err := a.st.SaveRole(fx.Ctx(), role); err != nil {
			t.Fatal(err)
		}
		page := sc.get(path).Body
		mustContain(t, page, "2 раздела скрыто: зависимости, судимость — обратитесь к администратору", "ВИЧ")
	})
}
