package web

import (
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestQuestionnaireFileAnswers(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		path := newQuestionnaireClient(t, admin, fx)
		id := clientIDOf(t, path)
		qa, err := a.st.Questionnaire(fx.Ctx(), id)
		if err != nil {
			t.Fatal(err)
		}
		sec := qa.Form.Sections[0].ID
		scan := &opora.FormField{SectionID: sec, Label: "Скан справки", Type: opora.FieldFile}
		med := &opora.FormField{SectionID: sec, Label: "Медицинское заключение", Type: opora.FieldFile, Sensitivity: opora.SensitiveHealth}
		for _, x := range []*opora.FormField{scan, med} {
			if err := a.st.CreateField(fx.Ctx(), x); err != nil {
				t.Fatal(err)
			}
		}
		prof := fieldByKey(t, qa, "profession")
		name := func(x *opora.FormField) string { return "f" + idString(x.ID) }

		edit := admin.get(path + "/questionnaire/edit")
		mustContain(t, edit.Body, `enctype="multipart/form-data"`, `type="file"`, `name="`+name(scan)+`"`)
		if strings.Contains(edit.Body, "Загрузка файлов появится") {
			t.Fatal("placeholder still shown")
		}

		// A program is refused next to its field; the other answers are not saved.
		res := admin.postMultipart(path+"/questionnaire/edit", url.Values{name(prof): {"пекарь"}},
			upload{name(scan), "справка.pdf", []byte("MZ\x90\x00 program")})
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("executable: %d", res.Status)
		}
		mustContain(t, res.Body, `id="e-`+name(scan)+`"`, "Программы и сценарии загружать нельзя", `value="пекарь"`)
		if qa, _ := a.st.Questionnaire(fx.Ctx(), id); !qa.Answer(prof.ID).Empty() || !qa.Answer(scan.ID).Empty() {
			t.Fatal("a refused save stored answers")
		}

		// A PDF is stored with the other answers in one save.
		pdf := []byte("%PDF-1.4\n% справка\n")
		res = admin.postMultipart(path+"/questionnaire/edit", url.Values{name(prof): {"пекарь"}},
			upload{name(scan), "справка.pdf", pdf}, upload{name(med), "заключение.pdf", []byte("%PDF-1.4 health")})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("upload: %d %s", res.Status, res.Body)
		}
		qa, err = a.st.Questionnaire(fx.Ctx(), id)
		if err != nil || qa.Answer(prof.ID).Text != "пекарь" || qa.Answer(scan.ID).Empty() || qa.Answer(med.ID).Empty() {
			t.Fatalf("answers after upload: %v", err)
		}
		fileID, medID := qa.Answer(scan.ID).FileID, qa.Answer(med.ID).FileID
		floc, mloc := path+"/files/"+idString(fileID), path+"/files/"+idString(medID)
		view := admin.get(path + "/questionnaire")
		mustContain(t, view.Body, `href="`+floc+`"`, "справка.pdf", "заключение.pdf")
		dl := admin.get(floc)
		if dl.Status != http.StatusOK || dl.Body != string(pdf) || dl.Header.Get("Content-Type") != "application/pdf" {
			t.Fatalf("download: %d %q", dl.Status, dl.Body)
		}
		audit, _, err := a.st.AuditEntries(fx.Ctx(), opora.AuditFilter{Action: opora.ActionDownload, Entity: "file", EntityID: fileID})
		if err != nil || len(audit) != 1 || audit[0].UserID != fx.Admin.ID {
			t.Fatalf("download audit: %v %d", err, len(audit))
		}

		// No upload keeps the file; the edit page links it and offers removal.
		if res := admin.postMultipart(path+"/questionnaire/edit", url.Values{name(prof): {"повар"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("save without upload: %d %s", res.Status, res.Body)
		}
		if qa, _ := a.st.Questionnaire(fx.Ctx(), id); qa.Answer(scan.ID).FileID != fileID || qa.Answer(prof.ID).Text != "повар" {
			t.Fatal("the file was not kept")
		}
		mustContain(t, admin.get(path+"/questionnaire/edit").Body, `href="`+floc+`"`, `name="`+name(scan)+`_remove"`)

		// Without the health permission: neither the sensitive file's name nor its download.
		spec, _ := fx.AddUser(t, "spec", "specialist")
		setPassword(t, a.st, spec.ID, fx.Org.ID)
		sc := a.login(t, "spec", testPassword)
		sview := sc.get(path + "/questionnaire")
		mustContain(t, sview.Body, "справка.pdf")
		if strings.Contains(sview.Body, "заключение.pdf") {
			t.Fatal("sensitive file name shown without permission")
		}
		if res := sc.get(mloc); res.Status != http.StatusNotFound {
			t.Fatalf("sensitive download without permission: %d", res.Status)
		}
		// The specialist's save keeps the sensitive file.
		if res := sc.postMultipart(path+"/questionnaire/edit", url.Values{name(prof): {"повар"}, name(med) + "_remove": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("specialist save: %d %s", res.Status, res.Body)
		}
		if qa, _ := a.st.Questionnaire(fx.Ctx(), id); qa.Answer(med.ID).FileID != medID {
			t.Fatal("the specialist removed the sensitive file")
		}

		// Another organisation: 404 on the download.
		other := storetest.AddOrg(t, a.st, fx.Ctx(), "Другая НКО")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		oc := a.login(t, other.Admin.Login, testPassword)
		if res := oc.get(floc); res.Status != http.StatusNotFound {
			t.Fatalf("other organisation download: %d", res.Status)
		}

		// The remove tick clears the answer; the file is no longer reachable.
		if res := admin.postMultipart(path+"/questionnaire/edit", url.Values{name(prof): {"повар"}, name(scan) + "_remove": {"1"}}); res.Status != http.StatusSeeOther {
			t.Fatalf("remove: %d %s", res.Status, res.Body)
		}
		if qa, _ := a.st.Questionnaire(fx.Ctx(), id); !qa.Answer(scan.ID).Empty() {
			t.Fatal("the file answer was not removed")
		}
		if res := admin.get(floc); res.Status != http.StatusNotFound {
			t.Fatalf("removed answer file: %d", res.Status)
		}
	})
}
