package store_test

import (
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/opora-project/opora/internal/auth"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
	"github.com/opora-project/opora/internal/tabular"
)

var (
	importSurnames = []string{"Иванов", "Петров", "Сидоров", "Смирнов", "Кузнецов", "Попов", "Васильев", "Соколов", "Михайлов",
		"Новиков", "Фёдоров", "Морозов", "Волков", "Алексеев", "Лебедев", "Семёнов", "Егоров", "Павлов", "Козлов", "Степанов",
		"Николаев", "Орлов", "Андреев", "Макаров", "Никитин", "Захаров", "Зайцев", "Соловьёв", "Борисов", "Яковлев",
		"Григорьев", "Романов", "Воробьёв", "Сергеев", "Кузьмин", "Фролов", "Александров", "Дмитриев", "Королёв", "Гусев",
		"Киселёв", "Ильин", "Максимов", "Поляков", "Сорокин", "Виноградов", "Ковалёв", "Белов", "Медведев", "Антонов",
		"Тарасов", "Жуков", "Баранов", "Филиппов", "Комаров", "Давыдов", "Беляев", "Герасимов", "Богданов", "Осипов"}
	importNames = []string{"Пётр", "Иван", "Сергей", "Андрей", "Алексей", "Юрий", "Олег", "Николай", "Михаил", "Виктор",
		"Дмитрий", "Владимир", "Евгений", "Павел", "Роман", "Игорь", "Константин", "Василий", "Григорий", "Артём"}
)

// benchCardsFile writes n card rows (Windows-1251, semicolons) like a
// moving organisation's: 60 common surnames, 20 first names, birth dates
// over 65 years (so a later file has likely duplicates); seed varies the
// people.
func benchCardsFile(b *testing.B, n int, seed uint64) string {
	r := rand.New(rand.NewPCG(seed, 7))
	var sb strings.Builder
	sb.WriteString("Фамилия;Имя;Отчество;Дата рождения;Пол;Образование;Профессия\r\n")
	edu := []string{"Нет", "Начальное", "Высшее", "Среднее профессиональное", ""}
	for range n {
		fmt.Fprintf(&sb, "%s;%s;%sович;%02d.%02d.%d;м;%s;сварщик\r\n", importSurnames[r.IntN(len(importSurnames))],
			importNames[r.IntN(len(importNames))], importNames[r.IntN(len(importNames))], 1+r.IntN(28), 1+r.IntN(12),
			1940+r.IntN(65), edu[r.IntN(len(edu))])
	}
	data, err := charmap.Windows1251.NewEncoder().Bytes([]byte(sb.String()))
	if err != nil {
		b.Fatal(err)
	}
	p := filepath.Join(b.TempDir(), "cards"+strconv.FormatUint(seed, 10)+".csv")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		b.Fatal(err)
	}
	return p
}

// BenchmarkImport measures the import's throughput on OPORA_BENCH_ROWS
// rows (10,000 by default) read from a Windows-1251 CSV: the dry run into
// an empty organisation, the import, the same file again (every row
// already imported), and the dry run of another file against the clients
// now there (the likely-duplicate search finds candidates). Run:
// go test ./internal/store -run '^$' -bench Import -benchtime 1x.
func BenchmarkImport(b *testing.B) {
	auth.SetParamsForTests()
	n := 10000
	if v, err := strconv.Atoi(os.Getenv("OPORA_BENCH_ROWS")); err == nil && v > 0 {
		n = v
	}
	for _, d := range storetest.Dialects() {
		b.Run(string(d), func(b *testing.B) {
			if d == store.Postgres {
				storetest.SkipUnlessPostgres(b)
			}
			first, second := benchCardsFile(b, n, 1), benchCardsFile(b, n, 2)
			for range b.N {
				st := storetest.Open(b, d)
				fx := storetest.SetupOrg(b, st, "Ночлежка")
				ctx := fx.Ctx()
				targets, err := st.ImportTargets(ctx)
				if err != nil {
					b.Fatal(err)
				}
				eduKey := ""
				for _, t := range targets {
					if t.Label == "Образование" {
						eduKey = t.Key
					}
				}
				mapping := []string{"surname", "first_name", "patronymic", "birth_date", "gender", eduKey, ""}
				run := func(name, path string, dry bool) *store.ImportReport {
					src, err := tabular.Open(path)
					if err != nil {
						b.Fatal(err)
					}
					defer src.Close()
					j := &store.ImportJob{FileName: filepath.Base(path), FileHash: name, Header: src.Header()}
					if err := st.CreateImport(ctx, j); err != nil {
						b.Fatal(err)
					}
					if err := st.SetImportMapping(ctx, j.ID, mapping, fx.Branch.ID); err != nil {
						b.Fatal(err)
					}
					if err := st.StartImportRun(ctx, j.ID, dry); err != nil {
						b.Fatal(err)
					}
					t0 := time.Now()
					rep, err := st.RunImport(ctx, j.ID, src)
					if err != nil {
						b.Fatal(err)
					}
					el := time.Since(t0)
					b.ReportMetric(float64(rep.Rows)/el.Seconds(), name+"_rows/s")
					b.Logf("%s %s: %d rows in %v (%.0f rows/s): created %d, already %d, errors %d, duplicates %d",
						d, name, rep.Rows, el.Round(time.Millisecond), float64(rep.Rows)/el.Seconds(), rep.Created, rep.Already,
						rep.ErrorRows, rep.Duplicates)
					return rep
				}
				run("dry_empty", first, true)
				if rep := run("import", first, false); rep.Created+rep.Already != n {
					b.Fatalf("imported %+v of %d", rep, n)
				}
				if rep := run("again", first, false); rep.Created != 0 {
					b.Fatalf("the second run created %d", rep.Created)
				}
				run("dry_other", second, true)
			}
		})
	}
}
