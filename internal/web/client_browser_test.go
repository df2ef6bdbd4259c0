package web

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/storetest"
)

// TestBrowserImportantNoteOnTopOnAPhone opens a client's record with a
// long history on a 360 px phone: the important note and the ban are in
// view without scrolling on the profile and on the other tabs, and no page
// makes the browser report a refused inline style or script (CSP).
// With OPORA_TEST_SCREENSHOTS=dir the profile is saved there at 360 and
// 1280 px.
func TestBrowserImportantNoteOnTopOnAPhone(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		st, fctx := a.st, fx.Ctx()
		fx.Admin.FullName, fx.Admin.Locale = "Иванова Анна", "ru"
		if err := st.UpdateUser(fctx, fx.Admin); err != nil {
			t.Fatal(err)
		}
		c := &opora.Client{Surname: "Смирнов", FirstName: "Алексей", Patronymic: "Иванович", BranchID: fx.Branch.ID,
			Gender: opora.GenderMale, BirthPrecision: opora.BirthYear, BirthYear: 1968, BirthPlace: "Вологда"}
		if err := st.CreateClient(fctx, c); err != nil {
			t.Fatal(err)
		}
		types, err := st.ServiceTypes(fctx, true)
		if err != nil || len(types) == 0 {
			t.Fatalf("service types: %v", err)
		}
		if err := st.RecordServices(fctx, c.ID, opora.DateOf(opora.ServiceToday(st.Now()).Time()),
			[]*opora.Service{{TypeID: types[0].ID, Quantity: 1}, {TypeID: types[1].ID, Quantity: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateRestriction(fctx, &opora.Restriction{ClientID: c.ID, Kind: opora.RestrictionBan,
			Description: "Драка во дворе", StartsOn: st.Today()}); err != nil {
			t.Fatal(err)
		}
		if err := st.CreateNote(fctx, &opora.Note{ClientID: c.ID, Body: "Не давать наличные: просил на алкоголь.", Important: true}); err != nil {
			t.Fatal(err)
		}
		for _, body := range []string{"Пришёл на приём", "Звонила сестра", "Получил продуктовый набор", "Спрашивал про работу"} {
			if err := st.CreateNote(fctx, &opora.Note{ClientID: c.ID, Body: body}); err != nil {
				t.Fatal(err)
			}
		}
		record := a.srv.URL + "/clients/" + idString(c.ID)

		// Console messages from here on (this starts the browser on the
		// test's context; steps derive time limits from it); the page
		// writes a mark at the end.
		console := chromedp.Console(ctx)
		step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if err := chromedp.Do(sctx, actions...); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		step("login",
			chromedp.EmulateViewport(360, 740, chromedp.EmulateMobile), // a phone; a headless window is 500 px at least
			chromedp.Navigate(a.srv.URL+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`))
		inView := `(() => { const box = e => { if (!e) return null; const r = e.getBoundingClientRect();
			return {top: r.top, bottom: r.bottom, left: r.left, right: r.right} };
			return {width: window.innerWidth, height: window.innerHeight, scrolled: window.scrollY,
				note: box(document.querySelector('.pinned .note-important')), ban: box(document.querySelector('.banner'))} })()`
		type box struct{ Top, Bottom, Left, Right float64 }
		type view struct {
			Width, Height, Scrolled float64
			Note, Ban               *box
		}
		for _, tab := range []string{"", "/notes", "/services", "/timeline"} {
			step("open "+tab, chromedp.Navigate(record+tab), chromedp.WaitVisible(`nav.tabs`))
			v, err := chromedp.Run(ctx, chromedp.Evaluate[view](inView))
			if err != nil {
				t.Fatal(err)
			}
			if v.Width > 400 {
				t.Fatalf("the window is %v px wide, not a phone", v.Width)
			}
			for name, b := range map[string]*box{"important note": v.Note, "ban": v.Ban} {
				if b == nil {
					t.Errorf("tab %q: no %s on the page", tab, name)
				} else if v.Scrolled != 0 || b.Top < 0 || b.Bottom > v.Height || b.Left < 0 || b.Right > v.Width {
					t.Errorf("tab %q: the %s (%+v) is not in the %v×%v window without scrolling", tab, name, *b, v.Width, v.Height)
				}
			}
			if tab == "" {
				if main := text(t, ctx, `main`); !strings.Contains(main, "Не давать наличные") || !strings.Contains(main, "Драка во дворе") {
					t.Errorf("the profile does not read the note and the ban: %q", main)
				}
			}
		}
		if dir := os.Getenv("OPORA_TEST_SCREENSHOTS"); dir != "" {
			for _, w := range []int64{360, 1280} {
				png, err := chromedp.Run(ctx, func(ctx context.Context, tg *chromedp.Target) ([]byte, error) {
					var opts []chromedp.EmulateViewportOption
					if w < 500 {
						opts = append(opts, chromedp.EmulateMobile)
					}
					if _, err := chromedp.EmulateViewport(w, 740, opts...)(ctx, tg); err != nil {
						return nil, err
					}
					if _, err := chromedp.Navigate(record)(ctx, tg); err != nil {
						return nil, err
					}
					if _, err := chromedp.WaitVisible(`nav.tabs`)(ctx, tg); err != nil {
						return nil, err
					}
					return chromedp.CaptureScreenshot()(ctx, tg)
				})
				if err != nil {
					t.Fatal(err)
				}
				name := filepath.Join(dir, t.Name()[strings.LastIndex(t.Name(), "/")+1:]+"-profile-"+idString(w)+".png")
				if err := os.WriteFile(name, png, 0o644); err != nil {
					t.Fatal(err)
				}
			}
		}
		const mark = "opora: end of the test's pages"
		if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`console.log("`+mark+`") || 0`)); err != nil {
			t.Fatal(err)
		}
		for m, err := range console {
			if err != nil {
				t.Fatal(err)
			}
			if m.Text == mark {
				break
			}
			if m.Type == chromedp.ConsoleError || m.IsException() || strings.Contains(m.Text, "Content Security Policy") {
				t.Errorf("console: %s (%s)", m, m.URL)
			}
		}
	})
}

// TestBrowserNewClientBirthFields: the new-client form shows only the
// field that fits "date of birth known?": the date by default, the year or
// the approximate age when chosen, none for "unknown"; and saving with the
// year makes a client born that year.
func TestBrowserNewClientBirthFields(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		ctx := browser(t)
		// Start the browser on the test's context; steps derive time limits from it.
		if err := chromedp.Do(ctx, chromedp.Navigate("about:blank")); err != nil {
			t.Fatal(err)
		}
		step := func(name string, actions ...chromedp.Action[chromedp.Void]) {
			t.Helper()
			sctx, cancel := context.WithTimeout(ctx, 20*time.Second)
			defer cancel()
			if err := chromedp.Do(sctx, actions...); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
		step("login",
			chromedp.Navigate(a.srv.URL+"/login"),
			chromedp.WaitVisible(`#f-login`),
			chromedp.SendKeys(`#f-login`, "admin"),
			chromedp.SendKeys(`#f-password`, testPassword),
			chromedp.Submit(`#f-login`),
			chromedp.WaitVisible(`.userbox`),
			chromedp.Navigate(a.srv.URL+"/clients/new"),
			chromedp.WaitVisible(`#f-surname`))
		shown := func() string {
			t.Helper()
			s, err := chromedp.Run(ctx, chromedp.Evaluate[string](`["birth_date", "birth_year", "age"].
				filter(n => document.getElementById("f-" + n).offsetParent !== null).join(",")`))
			if err != nil {
				t.Fatal(err)
			}
			return s
		}
		choose := func(v string) {
			t.Helper()
			if _, err := chromedp.Run(ctx, chromedp.Evaluate[int](`(s => { s.value = `+jsString(v)+`;
				s.dispatchEvent(new Event("change", {bubbles: true})); return 0 })(document.getElementById("f-birth_precision"))`)); err != nil {
				t.Fatal(err)
			}
		}
		if got := shown(); got != "birth_date" {
			t.Errorf("a new client's form shows %q, want the date only", got)
		}
		for _, c := range []struct{ choice, want string }{{"year", "birth_year"}, {"age", "age"}, {"", ""}, {"date", "birth_date"}, {"year", "birth_year"}} {
			choose(c.choice)
			if got := shown(); got != c.want {
				t.Errorf("%q chosen: the form shows %q, want %q", c.choice, got, c.want)
			}
		}
		step("save",
			chromedp.SendKeys(`#f-surname`, "Кузнецов"),
			chromedp.SendKeys(`#f-birth_year`, "1971"),
			chromedp.Submit(`#f-surname`),
			chromedp.WaitVisible(`nav.tabs`))
		if head := text(t, ctx, `.client-head`); !strings.Contains(head, "Кузнецов") {
			t.Errorf("after saving: %q", head)
		}
		loc := location(t, ctx)
		saved, err := a.st.Client(fx.Ctx(), clientIDOf(t, loc[strings.Index(loc, "/clients/"):]))
		if err != nil || saved.BirthYear != 1971 || saved.BirthPrecision != opora.BirthYear {
			t.Errorf("saved client: %v %+v", err, saved)
		}
	})
}
