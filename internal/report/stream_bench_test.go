package report

import (
	"io"
	"testing"
	"time"
)

// BenchmarkXLSXRegister writes a services register of 100,000 rows as
// the export does (ten columns: number, date, client, birth year, branch,
// type, quantity, sum, worker, comment).
func BenchmarkXLSXRegister(b *testing.B) {
	day := time.Date(2026, 11, 30, 0, 0, 0, 0, time.UTC)
	row := []Cell{{Kind: KindNumber}, {Kind: KindDate, Date: day}, {Text: "Иванов Пётр Сергеевич"},
		{Kind: KindNumber, Number: 1971}, {Text: "Пункт на Боткинской"}, {Text: "Продуктовый набор"},
		{Kind: KindNumber, Number: 1}, {}, {Text: "Кузнецова Елена Андреевна"}, {}}
	for b.Loop() {
		x, err := NewXLSX(Sheet{Name: "Услуги", Freeze: true,
			Headers: []string{"№", "Дата", "Клиент", "Год рождения", "Отделение", "Услуга", "Количество", "Сумма", "Сотрудник", "Комментарий"}})
		if err != nil {
			b.Fatal(err)
		}
		for i := range 100000 {
			row[0].Number = float64(i + 1)
			if err := x.Row(row); err != nil {
				b.Fatal(err)
			}
		}
		if _, err := x.WriteTo(io.Discard); err != nil {
			b.Fatal(err)
		}
		_ = x.Close()
	}
}
