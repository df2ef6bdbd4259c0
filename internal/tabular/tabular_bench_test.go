package tabular

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"
)

// readMeasured reads every row of a file and reports rows, MB/s and the
// largest heap seen (sampled every 10,000 rows).
func readMeasured(b *testing.B, path string) {
	st, err := os.Stat(path)
	if err != nil {
		b.Fatal(err)
	}
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	base, peak := ms.HeapInuse, ms.HeapInuse
	t0 := time.Now()
	r, err := Open(path)
	if err != nil {
		b.Fatal(err)
	}
	rows := 0
	for {
		_, _, err := r.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			b.Fatal(err)
		}
		rows++
		if rows%10000 == 0 {
			runtime.ReadMemStats(&ms)
			peak = max(peak, ms.HeapInuse)
		}
	}
	r.Close()
	el := time.Since(t0)
	mb := float64(st.Size()) / (1 << 20)
	b.ReportMetric(mb/el.Seconds(), "MB/s")
	b.ReportMetric(float64(peak-base)/(1<<20), "heapMB")
	b.Logf("%s: %.0f MB, %d rows in %v (%.0f MB/s, %.0f rows/s), heap above the start at most %.1f MB",
		filepath.Base(path), mb, rows, el.Round(time.Millisecond), mb/el.Seconds(), float64(rows)/el.Seconds(),
		float64(peak-base)/(1<<20))
}

// BenchmarkRead100MB reads a 100 MB Windows-1251 CSV and a large XLSX
// (OPORA_BENCH_XLSX_ROWS rows, 300,000 by default) row by row: the heap
// must stay flat. Run: go test ./internal/tabular -run '^$' -bench Read100MB -benchtime 1x.
func BenchmarkRead100MB(b *testing.B) {
	dir := b.TempDir()
	csvPath := filepath.Join(dir, "cards.csv")
	f, err := os.Create(csvPath)
	if err != nil {
		b.Fatal(err)
	}
	w := bufio.NewWriter(charmap.Windows1251.NewEncoder().Writer(f))
	fmt.Fprint(w, "Фамилия;Имя;Отчество;Дата рождения;Пол;Образование;Заметка\r\n")
	var size int64
	for i := 0; size < 100<<20; i++ {
		n, _ := fmt.Fprintf(w, "Кузнецов%d;Пётр;Ильич;%02d.%02d.%d;м;Высшее;\"живёт у вокзала; ночует в приюте № %d\"\r\n",
			i, 1+i%28, 1+i%12, 1940+i%65, i)
		size += int64(n) / 2 // Cyrillic letters are two bytes in UTF-8, one in Windows-1251
	}
	w.Flush()
	f.Close()

	xlsxPath := filepath.Join(dir, "cards.xlsx")
	xf := excelize.NewFile()
	sw, err := xf.NewStreamWriter("Sheet1")
	if err != nil {
		b.Fatal(err)
	}
	_ = sw.SetRow("A1", []any{"Фамилия", "Имя", "Отчество", "Дата рождения", "Пол", "Образование", "Заметка"})
	rows := 300000
	for i := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+2)
		_ = sw.SetRow(cell, []any{fmt.Sprintf("Кузнецов%d", i), "Пётр", "Ильич", 27000 + i%20000, "м", "Высшее", "живёт у вокзала"})
	}
	if err := sw.Flush(); err != nil {
		b.Fatal(err)
	}
	if err := xf.SaveAs(xlsxPath); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for range b.N {
		readMeasured(b, csvPath)
		readMeasured(b, xlsxPath)
	}
}
