package opora

import (
	"reflect"
	"testing"
)

// Services by month × type summed into services by type: type 10 sorts
// after type 9 (ids are numbers), and the total is kept.
func TestReportMarginal(t *testing.T) {
	r := &ReportResult{Columns: []Dimension{DimMonth, DimServiceType}, Total: 10,
		Labels: []map[string]string{nil, {"9": "Обед", "10": "Одежда"}},
		Rows: []ReportRow{{Keys: []string{"2026-01", "10"}, Value: 2}, {Keys: []string{"2026-01", "9"}, Value: 3},
			{Keys: []string{"2026-02", "9"}, Value: 5}}}
	byType := r.Marginal(1)
	want := []ReportRow{{Keys: []string{"9"}, Value: 8}, {Keys: []string{"10"}, Value: 2}}
	if !reflect.DeepEqual(byType.Rows, want) || byType.Total != 10 || byType.Labels[0]["10"] != "Одежда" ||
		!reflect.DeepEqual(byType.Query.GroupBy, []Dimension{DimServiceType}) {
		t.Fatalf("by type: %+v", byType)
	}
	byMonth := r.Marginal(0)
	if want := []ReportRow{{Keys: []string{"2026-01"}, Value: 5}, {Keys: []string{"2026-02"}, Value: 5}}; !reflect.DeepEqual(byMonth.Rows, want) {
		t.Fatalf("by month: %+v", byMonth.Rows)
	}
}
