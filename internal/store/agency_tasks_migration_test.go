package store_test

import (
	"context"
	"fmt"
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

// Migration 00037 rebuilds case_tasks on SQLite (a CHECK constraint cannot
// be altered there). A task and its comment made before it are there after
// it, the comment still points at its task, and rolling it back and
// forward again loses nothing.
func TestAgencyTasksMigrationKeepsTasks(t *testing.T) {
	t.Parallel()
	storetest.Each(t, func(t *testing.T, s *store.Store) {
		fx := storetest.SetupOrg(t, s, "Ночлежка")
		client, caseType, _ := caseSetup(t, s, fx)
		ctx := fx.Ctx()
		k := &opora.Case{ClientID: client.ID, TypeID: caseType, CuratorID: fx.Admin.ID, OpenedOn: opora.DateOf(date("2026-01-05"))}
		if err := s.CreateCase(ctx, k, 0); err != nil {
			t.Fatal(err)
		}
		taskTypes, _ := s.CaseDictionary(ctx, opora.DictTaskType, false)
		task := &opora.Task{CaseID: k.ID, TypeID: taskTypes[0].ID, Description: "Восстановить паспорт",
			StartOn: opora.DateOf(date("2026-01-10")), DueOn: opora.DateOf(date("2026-02-10")), Status: opora.TaskInProgress}
		if err := s.AddTask(ctx, task); err != nil {
			t.Fatal(err)
		}
		if err := s.AddTaskComment(ctx, task.ID, "Записались в МФЦ"); err != nil {
			t.Fatal(err)
		}
		bg := context.Background()
		for _, step := range []string{"down", "up"} {
			var err error
			if step == "down" {
				err = s.MigrateDownTo(bg, 36)
			} else {
				err = s.Migrate(bg)
			}
			if err != nil {
				t.Fatalf("%s: %v", step, err)
			}
			if step == "down" { // the store's code reads the new columns: count the rows
				var tasks, comments int
				db := storetest.RawDB(t, s)
				if err := db.QueryRow(`SELECT COUNT(*) FROM case_tasks WHERE id = ` + fmt.Sprint(task.ID)).Scan(&tasks); err != nil {
					t.Fatal(err)
				}
				if err := db.QueryRow(`SELECT COUNT(*) FROM task_comments WHERE task_id = ` + fmt.Sprint(task.ID)).Scan(&comments); err != nil {
					t.Fatal(err)
				}
				if tasks != 1 || comments != 1 {
					t.Fatalf("after down: %d tasks, %d comments", tasks, comments)
				}
				continue
			}
			got, err := s.Task(ctx, task.ID)
			if err != nil || got.Description != "Восстановить паспорт" || got.Status != opora.TaskInProgress ||
				got.DueOn != task.DueOn {
				t.Fatalf("after %s: task %v %+v", step, err, got)
			}
			comments, err := s.TaskComments(ctx, task.ID)
			if err != nil || len(comments) != 1 || comments[0].Body != "Записались в МФЦ" {
				t.Fatalf("after %s: comments %v %+v", step, err, comments)
			}
		}
		if s.Dialect() == store.SQLite {
			rows, err := storetest.RawDB(t, s).Query(`PRAGMA foreign_key_check`)
			if err != nil {
				t.Fatal(err)
			}
			defer rows.Close()
			if rows.Next() {
				t.Error("foreign key violations after the rebuild of case_tasks")
			}
		}
		// The new statuses are accepted by the table.
		if err := s.SetTaskStatus(ctx, task.ID, opora.TaskAccepted, ""); err != nil {
			t.Fatal(err)
		}
	})
}
