package web

import (
	"archive/zip"
	"bytes"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestDocTemplateEditor: the administrator's editor refuses unknown
// fields and code with the line and the text under the field, keeps what
// was typed, saves nothing; the preview escapes markup.
func TestDocTemplateEditor(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		admin := a.login(t, "admin", testPassword)
		res := admin.get("/admin/document-templates")
		if res.Status != http.StatusOK {
			t.Fatalf("list: %d", res.Status)
		}
		mustContain(t, res.Body, "Справка о регистрации по адресу организации", "Направление в поликлинику", "Письмо в государственный орган",
			"Бланк (шапка)", "Подпись руководителя", "Печать")
		if res := admin.get("/admin"); !strings.Contains(res.Body, "/admin/document-templates") {
			t.Fatal("the administration does not list the templates")
		}

		for _, c := range []struct{ body, want string }{
			{"Справка\n{{call .X}}", "Строка 2: {{call .X}} — не поле из списка. В шаблоне можно использовать только поля, никаких команд и кода."},
			{"Выдана {{клиент.возраст}}", "Строка 1: поля {{клиент.возраст}} нет в списке полей."},
			{"A\n\n{{range .}}{{.}}{{end}}", "Строка 3: {{range .}} — не поле из списка."},
			{"Для {{клиент.фио", "Строка 1: поле {{клиент.фио не закрыто — допишите «}}»."},
			{"{{template \"x\"}}", "Строка 1: {{template &#34;x&#34;}} — не поле из списка."},
		} {
			form := url.Values{"title": {"Проба пера"}, "body": {c.body}, "action": {"save"}}
			res := admin.post("/admin/document-templates/new", form)
			if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-body"`) {
				t.Fatalf("%q: %d", c.body, res.Status)
			}
			mustContain(t, res.Body, c.want, "Проба пера")
		}
		ts, _ := a.st.DocTemplates(fx.Ctx(), true)
		if len(ts) != 3 {
			t.Fatalf("a refused template was saved: %d", len(ts))
		}

		// Markup in the text is text: the preview escapes it.
		body := "# <script>alert(1)</script>\n\nВыдана {{клиент.фио}}, <b>жирно</b>."
		res = admin.post("/admin/document-templates/new", url.Values{"title": {"Проба"}, "body": {body}, "action": {"preview"}})
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `id="preview"`) {
			t.Fatalf("preview: %d", res.Status)
		}
		mustContain(t, res.Body, "&lt;script&gt;alert(1)&lt;/script&gt;", "Выдана Иванов Иван Иванович, &lt;b&gt;жирно&lt;/b&gt;.")
		if strings.Contains(res.Body, "<script>alert") || strings.Contains(res.Body, "<b>жирно") {
			t.Fatal("markup of the template reached the page")
		}
		res = admin.post("/admin/document-templates/new", url.Values{"title": {"Проба"}, "body": {body}, "action": {"save"}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("save: %d %s", res.Status, res.Body)
		}
		// A worker issues documents but does not edit templates.
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		w := a.login(t, "worker", testPassword)
		if res := w.get("/admin/document-templates"); res.Status != http.StatusForbidden {
			t.Fatalf("worker opens the editor: %d", res.Status)
		}
		if res := w.post("/admin/document-templates/new", url.Values{"title": {"x"}, "body": {"y"}}); res.Status != http.StatusForbidden {
			t.Fatalf("worker saves a template: %d", res.Status)
		}
	})
}

// TestIssueDocumentFlow: a worker issues a certificate from the profile:
// preview, issue, the print page, PDF and DOCX with the person's name in
// Cyrillic; the document is on the profile and the timeline; a reprint
// after the name changed shows the old name; another organisation gets 404.
func TestIssueDocumentFlow(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		admin := a.login(t, "admin", testPassword)
		// The organisation's stamp.
		if res := admin.postMultipart("/admin/document-images/stamp", nil, upload{"image", "stamp.png", exifPhoto(t, 60, 60)}); res.Status != http.StatusSeeOther {
			t.Fatalf("stamp: %d %s", res.Status, res.Body)
		}
		if res := admin.postMultipart("/admin/document-images/stamp", nil, upload{"image", "x.png", []byte("not an image")}); res.Status != http.StatusUnprocessableEntity ||
			!strings.Contains(res.Body, "field-error") {
			t.Fatalf("bad stamp: %d", res.Status)
		}
		c := &opora.Client{Surname: "Ёлкина", FirstName: "Щука", Patronymic: "Юрьевна", BranchID: fx.Branch.ID,
			BirthPrecision: opora.BirthYear, BirthYear: 1975}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		// A value with markup in it (the identity document's issuer).
		types, err := a.st.DictionaryItems(ctx, opora.DictDocumentType, false)
		if err != nil || len(types) == 0 {
			t.Fatal(err)
		}
		if err := a.st.CreateIdentityDocument(ctx, &opora.IdentityDocument{ClientID: c.ID, TypeID: types[0].ID, Series: "4010",
			Number: "123456", IssuedBy: "ОВД <script>alert(1)</script>"}); err != nil {
			t.Fatal(err)
		}
		tpl := &opora.DocTemplate{Title: "Справка <для> суда", Body: "{{документ.номер}}\n\n# СПРАВКА\n\nВыдана {{клиент.фио}}, {{клиент.дата_рождения}} г. р.\n\nДокумент: {{клиент.документ}}."}
		if err := a.st.SaveDocTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		w := a.login(t, "worker", testPassword)
		profile := "/clients/" + idString(c.ID)

		res := w.get(profile)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `href="`+profile+`/issue-document"`) {
			t.Fatalf("profile: %d", res.Status)
		}
		mustContain(t, res.Body, "Справки и письма", "Документов пока не выдавали.")
		res = w.get(profile + "/issue-document?template=" + idString(tpl.ID))
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `id="preview"`) {
			t.Fatalf("preview: %d", res.Status)
		}
		mustContain(t, res.Body, "Выдана Ёлкина Щука Юрьевна, 1975 г. р.", "исх. № —", "Справка &lt;для&gt; суда")
		res = w.post(profile+"/issue-document", url.Values{"template": {idString(tpl.ID)}})
		if res.Status != http.StatusSeeOther || !strings.HasPrefix(res.Location, profile+"/issued/") {
			t.Fatalf("issue: %d %s", res.Status, res.Location)
		}
		doc := res.Location
		year := idString(int64(a.st.Today().Year()))
		res = w.get(doc)
		if res.Status != http.StatusOK {
			t.Fatalf("print page: %d", res.Status)
		}
		mustContain(t, res.Body, "исх. № 1/"+year, "Выдана Ёлкина Щука Юрьевна", `class="doc-stamp"`, doc+"/pdf", doc+"/docx", `class="doc-print"`,
			"4010 123456, выдан ОВД &lt;script&gt;alert(1)&lt;/script&gt;")
		if strings.Contains(res.Body, "<script>alert") {
			t.Fatal("a value's markup reached the page")
		}
		if res := w.get(doc + "/image/stamp"); res.Status != http.StatusOK || res.Header.Get("Content-Type") != "image/jpeg" {
			t.Fatalf("stamp on the document: %d", res.Status)
		}

		// The name changes; the document prints as issued.
		c.Surname = "Сосновая"
		if err := a.st.UpdateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		if res := w.get(doc); !strings.Contains(res.Body, "Выдана Ёлкина Щука Юрьевна") || strings.Contains(res.Body, "Выдана Сосновая") {
			t.Fatal("the reprint does not show the name as issued")
		}
		pdf := w.get(doc + "/pdf")
		if pdf.Status != http.StatusOK || pdf.Header.Get("Content-Type") != "application/pdf" ||
			!strings.HasPrefix(pdf.Header.Get("Content-Disposition"), "attachment;") {
			t.Fatalf("pdf: %d %v", pdf.Status, pdf.Header)
		}
		if bin, err := exec.LookPath("pdftotext"); err == nil {
			in := filepath.Join(t.TempDir(), "d.pdf")
			if err := os.WriteFile(in, []byte(pdf.Body), 0o600); err != nil {
				t.Fatal(err)
			}
			out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
			if err != nil || !strings.Contains(string(out), "Выдана Ёлкина Щука Юрьевна, 1975 г. р.") || !strings.Contains(string(out), "исх. № 1/"+year) {
				t.Fatalf("pdf text: %v %s", err, out)
			}
		} else {
			t.Fatal("pdftotext is needed (Debian poppler-utils; .ci/run installs it)")
		}
		docx := w.get(doc + "/docx")
		z, err := zip.NewReader(strings.NewReader(docx.Body), int64(len(docx.Body)))
		if err != nil {
			t.Fatalf("docx: %d %v", docx.Status, err)
		}
		var xmlText []byte
		media := 0
		for _, f := range z.File {
			if f.Name == "word/document.xml" {
				r, _ := f.Open()
				xmlText, _ = io.ReadAll(r)
				r.Close()
			}
			if strings.HasPrefix(f.Name, "word/media/") {
				media++
			}
		}
		if !bytes.Contains(xmlText, []byte("Выдана Ёлкина Щука Юрьевна, 1975 г. р.")) || media != 1 {
			t.Fatalf("docx text or stamp missing: media %d", media)
		}

		// The profile lists it; the timeline has the line.
		res = w.get(profile)
		mustContain(t, res.Body, "Справка &lt;для&gt; суда", "исх. № 1/"+year)
		if res := w.get(profile + "/timeline"); !strings.Contains(res.Body, "Выдан документ") {
			t.Fatal("the timeline lacks the document")
		}
		// A second document takes the next number.
		res = w.post(profile+"/issue-document", url.Values{"template": {idString(tpl.ID)}})
		if res2 := w.get(res.Location); !strings.Contains(res2.Body, "исх. № 2/"+year) {
			t.Fatal("the second number is not 2")
		}
		// A template that needs a case asks for one.
		ts, _ := a.st.DocTemplates(ctx, false)
		for _, x := range ts {
			if x.NeedsCase {
				res := w.get(profile + "/issue-document?template=" + idString(x.ID))
				if res.Status != http.StatusOK || !strings.Contains(res.Body, "Для этого документа выберите случай.") || strings.Contains(res.Body, `id="preview"`) {
					t.Fatalf("needs a case: %d", res.Status)
				}
				if res := w.post(profile+"/issue-document", url.Values{"template": {idString(x.ID)}}); res.Status != http.StatusUnprocessableEntity {
					t.Fatalf("issued without a case: %d", res.Status)
				}
			}
		}

		// Another organisation gets 404 for everything.
		other := storetest.AddOrg(t, a.st, ctx, "Другая")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		o := a.login(t, other.Admin.Login, testPassword)
		for _, p := range []string{doc, doc + "/pdf", doc + "/docx", doc + "/image/stamp", profile + "/issue-document?template=" + idString(tpl.ID),
			"/admin/document-templates/" + idString(tpl.ID)} {
			if res := o.get(p); res.Status != http.StatusNotFound {
				t.Errorf("other organisation: GET %s answered %d", p, res.Status)
			}
		}
		if res := o.post(profile+"/issue-document", url.Values{"template": {idString(tpl.ID)}}); res.Status != http.StatusNotFound &&
			res.Status != http.StatusUnprocessableEntity {
			t.Errorf("other organisation issues: %d", res.Status)
		}
		list, _ := a.st.ClientIssuedDocuments(ctx, c.ID)
		if len(list) != 2 {
			t.Fatalf("issued: %d", len(list))
		}
	})
}

// pdfText extracts a PDF's text with poppler's pdftotext, spaces folded.
func pdfText(t *testing.T, pdf string) string {
	t.Helper()
	bin, err := exec.LookPath("pdftotext")
	if err != nil {
		t.Fatal("pdftotext is needed (Debian poppler-utils; .ci/run installs it)")
	}
	in := filepath.Join(t.TempDir(), "d.pdf")
	if err := os.WriteFile(in, []byte(pdf), 0o600); err != nil {
		t.Fatal(err)
	}
	out, err := exec.Command(bin, "-enc", "UTF-8", in, "-").Output()
	if err != nil {
		t.Fatalf("pdftotext: %v", err)
	}
	return strings.Join(strings.Fields(string(out)), " ")
}

// docxText is the text of a DOCX's word/document.xml.
func docxText(t *testing.T, docx string) string {
	t.Helper()
	z, err := zip.NewReader(strings.NewReader(docx), int64(len(docx)))
	if err != nil {
		t.Fatalf("docx: %v", err)
	}
	for _, f := range z.File {
		if f.Name == "word/document.xml" {
			r, _ := f.Open()
			b, _ := io.ReadAll(r)
			r.Close()
			return string(b)
		}
	}
	t.Fatal("docx without word/document.xml")
	return ""
}

// TestVoidIssuedDocumentFlow: a worker voids a certificate issued by
// mistake from its page: without a reason the form comes back with the
// message under the field and what was typed; with one, the page, the
// PDF (read back with pdftotext) and the DOCX carry «АННУЛИРОВАН», the
// date and the reason; the profile's list and the timeline show it; a
// second voiding is refused with a message; the next document takes the
// next number; another organisation gets 404, a worker without the right
// to issue 403.
func TestVoidIssuedDocumentFlow(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := fx.Ctx()
		c := &opora.Client{Surname: "Ёлкина", FirstName: "Щука", Patronymic: "Юрьевна", BranchID: fx.Branch.ID,
			BirthPrecision: opora.BirthYear, BirthYear: 1975}
		if err := a.st.CreateClient(ctx, c); err != nil {
			t.Fatal(err)
		}
		tpl := &opora.DocTemplate{Title: "Справка", Body: "{{документ.номер}}\n\n# СПРАВКА\n\nВыдана {{клиент.фио}}, {{клиент.дата_рождения}} г. р."}
		if err := a.st.SaveDocTemplate(ctx, tpl); err != nil {
			t.Fatal(err)
		}
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		w := a.login(t, "worker", testPassword)
		profile := "/clients/" + idString(c.ID)
		res := w.post(profile+"/issue-document", url.Values{"template": {idString(tpl.ID)}})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("issue: %d", res.Status)
		}
		doc := res.Location
		year := idString(int64(a.st.Today().Year()))
		today := a.st.Today().Format("02.01.2006")

		res = w.get(doc)
		if res.Status != http.StatusOK || !strings.Contains(res.Body, `action="`+doc+`/void"`) || strings.Contains(res.Body, `class="doc-void-mark"`) {
			t.Fatalf("valid document page: %d", res.Status)
		}
		mustContain(t, res.Body, "Аннулировать документ", "Причина аннулирования")
		// No reason: the message under the field, nothing voided.
		res = w.post(doc+"/void", url.Values{"reason": {"   "}})
		if res.Status != http.StatusUnprocessableEntity || !strings.Contains(res.Body, `id="e-reason"`) {
			t.Fatalf("empty reason: %d", res.Status)
		}
		mustContain(t, res.Body, "Укажите, почему документ аннулируется.", "Выдана Ёлкина Щука Юрьевна")
		if strings.Contains(res.Body, `class="doc-void-mark"`) {
			t.Fatal("voided without a reason")
		}
		// A worker without the right to issue: 403; another organisation: 404.
		du, _ := fx.AddUser(t, "duty", "duty")
		setPassword(t, a.st, du.ID, fx.Org.ID)
		if res := a.login(t, "duty", testPassword).post(doc+"/void", url.Values{"reason": {"ошибка"}}); res.Status != http.StatusForbidden {
			t.Fatalf("duty worker voids: %d", res.Status)
		}
		other := storetest.AddOrg(t, a.st, ctx, "Другая")
		setPassword(t, a.st, other.Admin.ID, other.Org.ID)
		if res := a.login(t, other.Admin.Login, testPassword).post(doc+"/void", url.Values{"reason": {"ошибка"}}); res.Status != http.StatusNotFound {
			t.Fatalf("other organisation voids: %d", res.Status)
		}

		const reason = "Выдана не тому человеку <b>по ошибке</b>"
		res = w.post(doc+"/void", url.Values{"reason": {reason}})
		if res.Status != http.StatusSeeOther || res.Location != doc {
			t.Fatalf("void: %d %s", res.Status, res.Location)
		}
		res = w.get(doc)
		mustContain(t, res.Body, "Документ аннулирован.", `class="doc-void-mark"`, "АННУЛИРОВАН "+today+". Причина: Выдана не тому человеку &lt;b&gt;по ошибке&lt;/b&gt;",
			"Печать (с отметкой об аннулировании)", "исх. № 1/"+year, "Выдана Ёлкина Щука Юрьевна")
		if strings.Contains(res.Body, `action="`+doc+`/void"`) || strings.Contains(res.Body, "<b>по ошибке") {
			t.Fatal("the voided page offers voiding again, or the reason's markup reached it")
		}
		pdf := w.get(doc + "/pdf")
		if pdf.Status != http.StatusOK || !strings.Contains(pdf.Header.Get("Content-Disposition"), "%D0%90%D0%9D%D0%9D%D0%A3%D0%9B%D0%98%D0%A0%D0%9E%D0%92%D0%90%D0%9D") {
			t.Fatalf("pdf: %d %s", pdf.Status, pdf.Header.Get("Content-Disposition"))
		}
		if text := pdfText(t, pdf.Body); !strings.Contains(text, "АННУЛИРОВАН "+today+". Причина: Выдана не тому человеку <b>по ошибке</b>") ||
			!strings.Contains(text, "Выдана Ёлкина Щука Юрьевна") {
			t.Fatalf("pdf text: %s", text)
		}
		if x := docxText(t, w.get(doc+"/docx").Body); !strings.Contains(x, "АННУЛИРОВАН "+today+". Причина: Выдана не тому человеку &lt;b&gt;по ошибке&lt;/b&gt;") {
			t.Fatalf("docx lacks the mark: %s", x)
		}
		// Twice: refused with the message, the first reason kept.
		res = w.post(doc+"/void", url.Values{"reason": {"ещё раз"}})
		if res.Status != http.StatusConflict {
			t.Fatalf("second voiding: %d", res.Status)
		}
		mustContain(t, res.Body, "Этот документ уже аннулирован.", "Причина: Выдана не тому человеку")
		// The profile's list and the timeline.
		res = w.get(profile)
		mustContain(t, res.Body, "исх. № 1/"+year, `<span class="tag tag-danger"`, "Аннулирован")
		res = w.get(profile + "/timeline")
		mustContain(t, res.Body, "Документ аннулирован", "Причина аннулирования", "Выдана не тому человеку &lt;b&gt;по ошибке&lt;/b&gt;")
		// The number is not reused.
		res = w.post(profile+"/issue-document", url.Values{"template": {idString(tpl.ID)}})
		if res2 := w.get(res.Location); !strings.Contains(res2.Body, "исх. № 2/"+year) || strings.Contains(res2.Body, `class="doc-void-mark"`) {
			t.Fatal("the next document is not number 2, or carries the mark")
		}
		// The valid one's PDF has no mark.
		if text := pdfText(t, w.get(res.Location+"/pdf").Body); strings.Contains(text, "АННУЛИРОВАН") {
			t.Fatalf("a valid document's PDF carries the mark: %s", text)
		}
	})
}
