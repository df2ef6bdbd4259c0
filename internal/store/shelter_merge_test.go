package store_test

import (
	"testing"

	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
	"github.com/opora-project/opora/internal/store/storetest"
)

func TestShelterMerge(t *testing.T) {
	storetest.Each(t, func(t *testing.T, st *store.Store) {
		fx := storetest.SetupOrg(t, st, "Приют")
		ctx := fx.Ctx()
		room := shelterRoom(t, st, fx, "Комната", 3)
		a := shelterClient(t, st, ctx, fx, "Дубль")
		b := shelterClient(t, st, ctx, fx, "Дубль")
		for _, c := range []*opora.Client{a, b} {
			if err := st.CheckIn(ctx, &opora.Stay{ClientID: c.ID, RoomID: room.ID, CheckIn: st.Today()}); err != nil {
				t.Fatal(err)
			}
		}
		if err := st.AddMedicalCheck(ctx, &opora.MedicalCheck{ClientID: b.ID, Type: opora.CheckTyphus, DoneOn: st.Today()}); err != nil {
			t.Fatal(err)
		}
		// Both live in the shelter: refused, nothing moved.
		if err := st.MergeClients(ctx, a.ID, b.ID); opora.ErrorMessage(err) != "shelter.error.merge_two_living" {
			t.Fatalf("merge two residents: %v", err)
		}
		stays, _ := st.ClientStays(ctx, b.ID)
		if err := st.CheckOut(ctx, &opora.Stay{ID: stays[0].ID, Status: opora.StayLeft, CheckOut: st.Today()}); err != nil {
			t.Fatal(err)
		}
		if err := st.MergeClients(ctx, a.ID, b.ID); err != nil {
			t.Fatal(err)
		}
		stays, err := st.ClientStays(ctx, a.ID)
		if err != nil || len(stays) != 2 {
			t.Fatalf("stays after merge: %v %d", err, len(stays))
		}
		checks, err := st.MedicalChecks(ctx, a.ID)
		if err != nil || len(checks) != 1 {
			t.Fatalf("medical checks after merge: %v %d", err, len(checks))
		}
	})
}
