package web

import (
	"bytes"
	"context"
	"image"
	"image/color"
	"image/png"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// stampPNG draws a round blue stamp (two rings) on transparency.
func stampPNG(t *testing.T) []byte {
	t.Helper()
	const n = 240
	img := image.NewNRGBA(image.Rect(0, 0, n, n))
	blue := color.NRGBA{30, 60, 170, 220}
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			d := math.Hypot(float64(x-n/2), float64(y-n/2))
			if d > 112 && d < 119 || d > 78 && d < 82 || (d < 60 && (x+y)%9 == 0) {
				img.Set(x, y, blue)
			}
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// signaturePNG draws a pen stroke.
func signaturePNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 300, 120))
	ink := color.NRGBA{20, 30, 110, 255}
	for x := 10; x < 290; x++ {
		y := 60 + 30*math.Sin(float64(x)/18)*math.Exp(-float64(x)/260)
		for dy := -2; dy <= 2; dy++ {
			img.Set(x, int(y)+dy, ink)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// TestBrowserIssueDocument: the administrator writes a template (refused
// first for an unknown field, with the message under the text), previews
// it; a worker opens a client, «Выдать документ», chooses the
// certificate, sees it filled in, issues it and gets the print page with
// the number, the stamp and the signature. Screens at 360 and 1280 px.
func TestBrowserIssueDocument(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		octx := fx.Ctx()
		o, err := a.st.Organisation(octx, fx.Org.ID)
		if err != nil {
			t.Fatal(err)
		}
		o.Name, o.ShortName, o.INN, o.Address, o.Phone, o.Email, o.Head = "АНО «Ночлежка»", "Ночлежка", "7801000000",
			"г. Санкт-Петербург, ул. Боровая, д. 112Б", "+7 812 000-00-00", "info@example.org", "Директор Свердлин Г. М."
		if err := a.st.UpdateOrganisation(octx, o); err != nil {
			t.Fatal(err)
		}
		admin := a.login(t, "admin", testPassword)
		for kind, img := range map[string][]byte{"stamp": stampPNG(t), "signature": signaturePNG(t)} {
			if res := admin.postMultipart("/admin/document-images/"+kind, nil, upload{"image", kind + ".png", img}); res.Status != http.StatusSeeOther {
				t.Fatalf("%s: %d %s", kind, res.Status, res.Body)
			}
		}
		c := &opora.Client{Surname: "Ёлкин", FirstName: "Пётр", Patronymic: "Сергеевич", BranchID: fx.Branch.ID,
			BirthPrecision: opora.BirthExact, BirthDate: opora.NewDate(1975, 2, 1)}
		if err := a.st.CreateClient(octx, c); err != nil {
			t.Fatal(err)
		}
		types, err := a.st.DictionaryItems(octx, opora.DictDocumentType, false)
		if err != nil || len(types) == 0 {
			t.Fatal(err)
		}
		if err := a.st.CreateIdentityDocument(octx, &opora.IdentityDocument{ClientID: c.ID, TypeID: types[0].ID, Series: "4010",
			Number: "123456", IssuedBy: "ТП № 12 ОУФМС"}); err != nil {
			t.Fatal(err)
		}
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)

		p := &player{t: t, ctx: ctx, base: a.srv.URL}
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank"), chromedp.EmulateViewport(360, 900), russianBrowser()); err != nil {
			t.Fatal(err)
		}
		p.login("admin")
		p.do("the templates", chromedp.Navigate(p.base+"/admin/document-templates"))
		p.see("Шаблоны справок и писем", "Справка о регистрации по адресу организации", "Печать")
		p.shootWide("doc-templates")
		p.do("a new template with a misspelt field", p.follow("Новый шаблон"),
			p.fill("Название документа", "Справка для соцзащиты"),
			p.fill("Текст шаблона", "# СПРАВКА\n\nВыдана {{клиент.фио}}, возраст {{клиент.возраст}}."),
			p.submit("Сохранить"))
		p.see("Строка 3: поля {{клиент.возраст}} нет в списке полей.")
		p.shootWide("doc-template-error")
		p.do("fixed and previewed",
			p.fill("Текст шаблона", "{{документ.номер}} от {{документ.дата}}\n\n# СПРАВКА\n\nВыдана {{клиент.фио}}, {{клиент.дата_рождения}} г. р., в том, что получает помощь в {{организация.название}}.\n\n{{организация.руководитель}}"),
			p.submit("Предпросмотр"))
		p.see("Предпросмотр на примере", "Выдана Иванов Иван Иванович, 01.02.1975 г. р.")
		p.shootWide("doc-template-preview")
		p.do("saved", p.submit("Сохранить"))
		p.see("Изменения сохранены")
		p.logout()

		p.login("worker")
		p.do("the client", chromedp.Navigate(p.base+"/clients/"+idString(c.ID)))
		p.see("Справки и письма", "Документов пока не выдавали.")
		p.do("issue a document", p.follow("Выдать документ"),
			p.pick("Документ", "Справка о регистрации по адресу организации"),
			p.submit("Показать документ"))
		p.see("Так документ будет выглядеть", "Выдана Ёлкин Пётр Сергеевич, 01.02.1975 г. р.", "исх. № —")
		p.shootWide("doc-issue-preview")
		p.do("issue", p.submit("Выдать и присвоить номер"))
		p.see("Документ выдан.", "исх. № 1/", "Выдана Ёлкин Пётр Сергеевич", "Скачать PDF")
		p.shootWide("doc-issued")
		// The page as the printer gets it.
		printShot := func(name string) {
			dir := os.Getenv("OPORA_TEST_SCREENSHOTS")
			if dir == "" {
				return
			}
			if err := chromedp.Do(ctx, chromedp.EmulateViewport(794, 1123), chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: "print"})
				return err
			})); err != nil {
				t.Fatal(err)
			}
			shot, err := chromedp.Run(ctx, chromedp.FullScreenshot(100))
			if err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(filepath.Join(dir, name+"-print.png"), shot, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := chromedp.Do(ctx, chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
				_, err := cdp.Call(ctx, tg, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{Media: ""})
				return err
			}), chromedp.EmulateViewport(360, 900)); err != nil {
				t.Fatal(err)
			}
		}
		printShot("doc-issued")
		// Issued by mistake: voided with a reason (a blank one comes back
		// under the field first).
		p.do("open the voiding", chromedp.Click(`#void summary`))
		p.do("void without a reason", p.fill("Причина аннулирования", "   "), p.submit("Аннулировать"))
		p.see("Укажите, почему документ аннулируется.")
		p.do("void", chromedp.Func(func(ctx context.Context, tg *chromedp.Target) error {
			// chromedp's Clear trips on the textarea's blank text: empty it as a person would.
			_, err := chromedp.Evaluate[bool](`(() => { document.querySelector('#f-reason').value = ''; return true })()`)(ctx, tg)
			return err
		}),
			p.fill("Причина аннулирования", "Выдана по ошибке: неверная дата рождения"), p.submit("Аннулировать"))
		p.see("Документ аннулирован.", "АННУЛИРОВАН", "Причина: Выдана по ошибке: неверная дата рождения",
			"Печать (с отметкой об аннулировании)")
		width, err := chromedp.Run(ctx, chromedp.Evaluate[float64](`document.documentElement.scrollWidth`))
		if err != nil || width > 360 {
			t.Errorf("voided document at 360 px: width %v %v", width, err)
		}
		p.shootWide("doc-voided")
		printShot("doc-voided")
		p.do("back to the client", p.follow("← Назад"))
		p.see("Справка о регистрации по адресу организации", "исх. № 1/", "Аннулирован")
		p.shootWide("doc-profile")
	})
}
