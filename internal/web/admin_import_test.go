package web

import (
	"bytes"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/opora-project/opora/internal/store/storetest"
)

// importCardsCSV is a card file typed in Excel on Windows: Windows-1251,
// separated by semicolons. Row 3 has a date that does not exist, row 4 an
// education the questionnaire does not know.
const importCardsCSV = "Фамилия;Имя;Дата рождения;Пол;Образование;Заметка\r\n" +
	"Ёлкин;Пётр;01.02.1975;м;Высшее;живёт у вокзала\r\n" +
	"Щукин;Юрий;31.02.1980;м;;\r\n" +
	"Шмелёва;Жанна;1982;ж;Академия;\r\n" +
	"Чайкина;Эльвира;05.06.1990;ж;Начальное;\r\n"

func win1251(t *testing.T, s string) []byte {
	t.Helper()
	b, err := charmap.Windows1251.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

var (
	importIDPath  = regexp.MustCompile(`^/admin/import/(\d+)/mapping$`)
	selectedField = regexp.MustCompile(`<select id="f-(col\d+|branch_id)" name="[^"]+"[^>]*>\s*(?:<option value="[^"]*">[^<]*</option>\s*)*<option value="([^"]*)" selected>`)
)

// uploadImport uploads a file and returns the mapping page's address.
func uploadImport(t *testing.T, c *client, name string, data []byte) string {
	t.Helper()
	res := c.postMultipart("/admin/import", nil, upload{"file", name, data})
	if res.Status != http.StatusSeeOther || !importIDPath.MatchString(res.Location) {
		t.Fatalf("upload %s: %d %q %s", name, res.Status, res.Location, res.Body)
	}
	return res.Location
}

// chosenMapping reads the fields the mapping page chose for each column.
func chosenMapping(body string) url.Values {
	form := url.Values{}
	for _, m := range selectedField.FindAllStringSubmatch(body, -1) {
		form.Set(m[1], m[2])
	}
	return form
}

// waitImport reloads the status page, as the browser does, until the
// run is over.
func waitImport(t *testing.T, c *client, path string) response {
	t.Helper()
	for range 200 {
		res := c.get(path)
		if res.Status != http.StatusOK {
			t.Fatalf("%s: %d", path, res.Status)
		}
		if res.Header.Get("Refresh") == "" {
			return res
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("%s: the run did not end", path)
	return response{}
}

// TestImportFlow moves a card file in as an administrator would: upload,
// map the columns, read the check, import, find the people; then the
// same file again.
func TestImportFlow(t *testing.T) {
	eachApp(t, func(t *testing.T, a *app, fx *storetest.Fixture) {
		c := a.login(t, "admin", testPassword)
		mustContain(t, c.get("/admin").Body, "Импорт клиентов из таблицы")
		mapping := uploadImport(t, c, "картотека.csv", win1251(t, importCardsCSV))
		page := c.get(mapping)
		mustContain(t, page.Body, "Сопоставление столбцов", "картотека.csv", "Дата рождения", "«Ёлкин»", "«Пётр»",
			"— не импортировать —", "Образование")
		form := chosenMapping(page.Body)
		for col, want := range map[string]string{"col0": "surname", "col1": "first_name", "col2": "birth_date", "col3": "gender"} {
			if form.Get(col) != want {
				t.Errorf("column %s is mapped to %q, want %q", col, form.Get(col), want)
			}
		}
		if !strings.HasPrefix(form.Get("col4"), "f") || form.Get("col5") != "" {
			t.Errorf("Образование → %q, Заметка → %q", form.Get("col4"), form.Get("col5"))
		}
		// A mapping with the surname left out is refused, next to nothing
		// half-saved, with the choices kept.
		bad := url.Values{}
		for k, v := range form {
			bad[k] = v
		}
		bad.Set("col0", "")
		bad.Set("col1", "first_name")
		res := c.post(mapping, bad)
		if res.Status != http.StatusUnprocessableEntity {
			t.Fatalf("mapping without a surname: %d", res.Status)
		}
		mustContain(t, res.Body, "Выберите столбец с фамилией")

		res = c.post(mapping, form)
		if res.Status != http.StatusSeeOther {
			t.Fatalf("mapping: %d %s", res.Status, res.Body)
		}
		status := res.Location
		report := waitImport(t, c, status).Body
		mustContain(t, report, "Проверка файла", "Будет создано клиентов</dt><dd>2</dd>", "Строк с ошибками</dt><dd>2</dd>",
			"<td>3</td><td>Дата рождения</td><td>Не дата: ожидается ДД.ММ.ГГГГ или год</td>",
			"<td>4</td><td>Образование</td><td>Нет такого значения в справочнике</td>", "Импортировать (2)")
		if res := c.get("/clients/search?q=" + url.QueryEscape("Ёлкин")); strings.Contains(res.Body, "Ёлкин Пётр") {
			t.Error("the check wrote a client")
		}

		res = c.post(strings.TrimSuffix(status, "/")+"/run", url.Values{})
		if res.Status != http.StatusSeeOther {
			t.Fatalf("run: %d %s", res.Status, res.Body)
		}
		result := waitImport(t, c, status).Body
		mustContain(t, result, "Результат импорта", "Создано клиентов</dt><dd>2</dd>", "Строк с ошибками</dt><dd>2</dd>",
			"<td>3</td><td>Дата рождения</td>")

		found := c.get("/clients/search?q=" + url.QueryEscape("Ёлкин"))
		mustContain(t, found.Body, "Ёлкин Пётр")
		id := regexp.MustCompile(`href="/clients/(\d+)"[^>]*>[^<]*Ёлкин`).FindStringSubmatch(found.Body)
		if id == nil {
			t.Fatalf("no link to Ёлкин in %s", found.Body)
		}
		mustContain(t, c.get("/clients/"+id[1]+"/timeline").Body, "Импортирован из файла «картотека.csv»")
		mustContain(t, c.get("/clients/"+id[1]+"/questionnaire").Body, "Высшее")
		if res := c.get("/clients/search?q=" + url.QueryEscape("Шмелёва")); strings.Contains(res.Body, "Шмелёва Жанна") {
			t.Error("a row with an error was imported")
		}

		// The same file again: the mapping is remembered, and nothing is
		// created twice.
		mapping = uploadImport(t, c, "картотека.csv", win1251(t, importCardsCSV))
		page = c.get(mapping)
		mustContain(t, page.Body, "Сопоставление подставлено из прошлой загрузки")
		if again := chosenMapping(page.Body); again.Encode() != form.Encode() {
			t.Errorf("remembered %v, chose %v", again, form)
		}
		res = c.post(mapping, form)
		report = waitImport(t, c, res.Location).Body
		mustContain(t, report, "Будет создано клиентов</dt><dd>0</dd>", "Уже импортированы раньше</dt><dd>2</dd>")

		// A workbook: its cells are shown as examples.
		xf := excelize.NewFile()
		_ = xf.SetSheetRow("Sheet1", "A1", &[]any{"Фамилия", "Имя"})
		_ = xf.SetSheetRow("Sheet1", "A2", &[]any{"Юдина", "Ядвига"})
		var xb bytes.Buffer
		if err := xf.Write(&xb); err != nil {
			t.Fatal(err)
		}
		mustContain(t, c.get(uploadImport(t, c, "список.xlsx", xb.Bytes())).Body, "«Юдина»", "«Ядвига»")

		// Not a table: a clear error next to the file field.
		res = c.postMultipart("/admin/import", nil, upload{"file", "фото.jpg", []byte("\xFF\xD8\xFF\xE0\x00\x10JFIF\x00")})
		if res.Status != http.StatusUnprocessableEntity {
			t.Errorf("a photo: %d", res.Status)
		}
		mustContain(t, res.Body, "Это не CSV и не XLSX.")

		// A worker without the administrator's permission sees none of it.
		u, _ := fx.AddUser(t, "worker", "specialist")
		setPassword(t, a.st, u.ID, fx.Org.ID)
		w := a.login(t, "worker", testPassword)
		for _, p := range []string{"/admin/import", mapping, status} {
			if res := w.get(p); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
				t.Errorf("a specialist opens %s: %d", p, res.Status)
			}
		}
		if res := w.postMultipart("/admin/import", nil, upload{"file", "x.csv", []byte("Фамилия\nИванов\n")}); res.Status != http.StatusForbidden {
			t.Errorf("a specialist uploads: %d", res.Status)
		}
		if res := w.post(mapping, form); res.Status != http.StatusForbidden && res.Status != http.StatusNotFound {
			t.Errorf("a specialist maps: %d", res.Status)
		}
		a.web.WaitJobs()
		// The imported file is gone; the two not imported yet are kept.
		if matches, _ := filepath.Glob(filepath.Join(a.web.cfg.DataDir, "imports", "*")); len(matches) != 2 {
			t.Errorf("%d uploaded files kept, want 2 (those not imported yet)", len(matches))
		}
	})
}
