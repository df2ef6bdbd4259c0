package store

import (
	"context"
	"database/sql"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store/reports"
)

// The report planner, the derived tables behind it and the services
// register live in package reports (internal/store/reports); these are the
// store's methods and names for them. The reports and the register read
// from the read replica when there is one (OnReplica): they may lag behind
// the primary by its replay delay.

type (
	ReportSQL         = reports.ReportSQL
	ReportChoice      = reports.ReportChoice
	ReportField       = reports.ReportField
	ReportOptions     = reports.ReportOptions
	DurationBand      = reports.DurationBand
	Sociodemographics = reports.Sociodemographics
	FieldCounts       = reports.FieldCounts
	LeaverCount       = reports.LeaverCount
	RegisterRow       = reports.RegisterRow
	RegisterTotals    = reports.RegisterTotals
	RegisterSQL       = reports.RegisterSQL
)

// RunReport runs a report builder query within the actor's report.run scope.
func (s *Store) RunReport(ctx context.Context, q *opora.ReportQuery) (*opora.ReportResult, error) {
	return s.reports.RunReport(OnReplica(ctx), q)
}

// CompileReport returns the SQL RunReport runs for q.
func (s *Store) CompileReport(ctx context.Context, q *opora.ReportQuery) (*ReportSQL, error) {
	return s.reports.CompileReport(ctx, q)
}

// ReportOptions lists what the report builder offers the actor.
func (s *Store) ReportOptions(ctx context.Context) (*ReportOptions, error) {
	return s.reports.ReportOptions(ctx)
}

// OngoingSupport counts open cases by how long they have run.
func (s *Store) OngoingSupport(ctx context.Context, q *opora.ReportQuery) ([]DurationBand, int, error) {
	return s.reports.OngoingSupport(OnReplica(ctx), q)
}

// SociodemographicSummary counts the clients of a period by the main questionnaire's choices.
func (s *Store) SociodemographicSummary(ctx context.Context, q *opora.ReportQuery, professionKey string) (*Sociodemographics, error) {
	return s.reports.SociodemographicSummary(OnReplica(ctx), q, professionKey)
}

// ShelterLeavers counts shelter leavers by way of leaving and plan result.
func (s *Store) ShelterLeavers(ctx context.Context, q *opora.ReportQuery) ([]LeaverCount, int, error) {
	return s.reports.ShelterLeavers(OnReplica(ctx), q)
}

// DerivedDrift rebuilds every derived table from its source rows, in a
// transaction it rolls back, and reports each table whose rows differ
// (nil when all agree); storetest.Each runs it after every store test.
func (s *Store) DerivedDrift(ctx context.Context) ([]string, error) {
	return s.reports.DerivedDrift(ctx)
}

// CompileServiceRegister returns the SQL ServiceRegister runs for q.
func (s *Store) CompileServiceRegister(ctx context.Context, q *opora.RegisterQuery) (*RegisterSQL, error) {
	return s.reports.CompileServiceRegister(ctx, q)
}

// CountServiceRegister counts the register's rows and sums.
func (s *Store) CountServiceRegister(ctx context.Context, q *opora.RegisterQuery) (RegisterTotals, error) {
	return s.reports.CountServiceRegister(OnReplica(ctx), q)
}

// ServiceRegister streams the register's rows to each, at most limit (0: all).
func (s *Store) ServiceRegister(ctx context.Context, q *opora.RegisterQuery, limit int, each func(*RegisterRow) error) (int, error) {
	return s.reports.ServiceRegister(OnReplica(ctx), q, limit, each)
}

// The derived tables' write side, called in the store's write transactions.

func countService(ctx context.Context, q queryer, sv *opora.Service, sign int) error {
	return reports.CountService(ctx, q, sv, sign)
}

func liveClient(ctx context.Context, q queryer, clientID int64) (bool, error) {
	return reports.LiveClient(ctx, q, clientID)
}

func countClientServices(ctx context.Context, q queryer, clientID int64, sign int) error {
	return reports.CountClientServices(ctx, q, clientID, sign)
}

func countClientDerived(ctx context.Context, q queryer, dialect Dialect, clientID int64, sign int) error {
	return reports.CountClientDerived(ctx, q, dialect, clientID, sign)
}

func refreshActive(ctx context.Context, q queryer, dialect Dialect, clientID int64, years ...int) error {
	return reports.RefreshActive(ctx, q, dialect, clientID, years...)
}

func countVisit(ctx context.Context, q queryer, org int64, day opora.Date, point, item, branch, createdBy int64) error {
	return reports.CountVisit(ctx, q, org, day, point, item, branch, createdBy)
}

func addVisitCount(ctx context.Context, q queryer, org int64, day opora.Date, point, item, branch, createdBy, n int64) error {
	return reports.AddVisitCount(ctx, q, org, day, point, item, branch, createdBy, n)
}

func deleteDuplicateVisits(ctx context.Context, tx *sql.Tx, from, into int64) error {
	return reports.DeleteDuplicateVisits(ctx, tx, from, into)
}

func (s *Store) recountClients(ctx context.Context, tx *sql.Tx, ids []int64, write func() error) error {
	return s.reports.RecountClients(ctx, tx, ids, write)
}

func (s *Store) countNewClient(ctx context.Context, tx *sql.Tx, id int64) error {
	return s.reports.CountNewClient(ctx, tx, id)
}

func (s *Store) fillActive(ctx context.Context) error       { return s.reports.FillActive(ctx) }
func (s *Store) fillClientCounts(ctx context.Context) error { return s.reports.FillClientCounts(ctx) }
func (s *Store) fillRanges(ctx context.Context) error       { return s.reports.FillRanges(ctx) }
