package web

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
	"github.com/opora-project/opora/internal/store"
)

// Moving out from the web (issue 24 item 6): an administrator of the
// organisation makes the organisation's full export (store.
// ExportOrganisation, docs/EXPORT.md) without a shell. The purpose is
// stated when it starts; it runs in the background (a large organisation
// takes a minute) while its page reloads itself; the archive is then
// offered once to the organisation's administrators, through the export
// helper (export.go: the purpose again, the audit row before the first
// byte). It waits in the data folder's exports/, encrypted with the files key
// when the server has one (0600 either way), and is removed when
// downloaded, after OrgExportKeep, or when the server starts again.
// Import stays a command (opora org import): it is an act on the instance.

// OrgExportKeep is how long a finished export waits to be downloaded.
const OrgExportKeep = 24 * time.Hour

// orgExportJob is one export being made or waiting to be downloaded. Its
// state is a small file beside the archive (<id>.json in exports/), not
// the process's memory: with several instances sharing the data folder
// (docs/OPERATIONS.md, "Several instances") the progress page and the
// download may be answered by another instance than the one making it.
type orgExportJob struct {
	ID      string    `json:"id"` // random hex: the page's address
	OrgID   int64     `json:"organisation_id"`
	UserID  int64     `json:"user_id"`
	Reason  string    `json:"reason"`
	Started time.Time `json:"started"`
	// Beat is the maker's last sign of life while it runs: a job not done
	// whose beat is older than orgExportStale died with its process.
	Beat time.Time `json:"beat"`
	// Set when the export ends.
	Done       bool      `json:"done"`
	Failed     bool      `json:"failed"`
	Downloaded bool      `json:"downloaded"`
	Size       int64     `json:"size"` // bytes of the archive (as downloaded)
	Rows       int       `json:"rows"`
	Files      int       `json:"files"`
	Expires    time.Time `json:"expires"`
	path       string    // the archive
}

// orgExportBeat is how often a running export says it is alive, and
// orgExportStale how long without it makes the job count as failed.
const (
	orgExportBeat  = 30 * time.Second
	orgExportStale = 3 * time.Minute
)

// Running reports whether the export is still being made.
func (j *orgExportJob) Running() bool { return !j.Done }

// Ready reports whether the archive waits to be downloaded.
func (j *orgExportJob) Ready() bool { return j.Done && !j.Failed && !j.Downloaded }

// SizeMB is the archive's size in whole megabytes, rounded up; 0 for less
// than one (the page then says so).
func (j *orgExportJob) SizeMB() int64 {
	if j.Size < 1<<20 {
		return 0
	}
	return (j.Size + 1<<20 - 1) >> 20
}

// orgExports serialises this process's writes of the jobs' state files.
type orgExports struct {
	mu sync.Mutex
}

func (s *Server) orgExportDir() string {
	if s.cfg.DataDir == "" {
		return filepath.Join(os.TempDir(), "opora-exports") // shared: never swept by listing
	}
	return filepath.Join(s.cfg.DataDir, "exports")
}

// readOrgExportJob reads the job's state; an unknown or malformed id is
// not found. A job whose maker stopped beating reads as failed.
func (s *Server) readOrgExportJob(id string) (*orgExportJob, error) {
	if b, err := hex.DecodeString(id); err != nil || len(b) != 16 {
		return nil, opora.ErrNotFound
	}
	raw, err := os.ReadFile(filepath.Join(s.orgExportDir(), id+".json"))
	if errors.Is(err, os.ErrNotExist) {
		return nil, opora.ErrNotFound
	}
	if err != nil {
		return nil, fmt.Errorf("web: org export: %w", err)
	}
	var j orgExportJob
	if err := json.Unmarshal(raw, &j); err != nil || j.ID != id {
		return nil, opora.ErrNotFound
	}
	j.path = filepath.Join(s.orgExportDir(), id)
	if !j.Done && time.Since(j.Beat) > orgExportStale {
		j.Done, j.Failed = true, true
	}
	return &j, nil
}

// writeOrgExportJob saves the job's state: a temporary file renamed over
// the old one, so a reader on another instance sees the old or the new.
func (s *Server) writeOrgExportJob(j *orgExportJob) error {
	s.exports.mu.Lock()
	defer s.exports.mu.Unlock()
	raw, err := json.Marshal(j)
	if err != nil {
		return err
	}
	tmp := filepath.Join(s.orgExportDir(), ".tmp-"+j.ID)
	if err := os.WriteFile(tmp, raw, 0o600); err != nil {
		return fmt.Errorf("web: org export: %w", err)
	}
	if err := os.Rename(tmp, filepath.Join(s.orgExportDir(), j.ID+".json")); err != nil {
		return fmt.Errorf("web: org export: %w", err)
	}
	return nil
}

// orgExportJobs reads every job in the exports folder.
func (s *Server) orgExportJobs() []*orgExportJob {
	entries, _ := os.ReadDir(s.orgExportDir())
	var out []*orgExportJob
	for _, e := range entries {
		if id, ok := strings.CutSuffix(e.Name(), ".json"); ok {
			if j, err := s.readOrgExportJob(id); err == nil {
				out = append(out, j)
			}
		}
	}
	return out
}

// sweepOrgExports removes the jobs past their time or whose maker died,
// with their archives, and files no job names (left by a kill) once they
// are older than a running job's silence may be.
func (s *Server) sweepOrgExports() {
	dir := s.orgExportDir()
	now := time.Now()
	keep := map[string]bool{}
	for _, j := range s.orgExportJobs() {
		stale := j.Failed && !j.Beat.IsZero() && now.Sub(j.Beat) > orgExportStale && j.Expires.IsZero()
		if stale || (!j.Expires.IsZero() && now.After(j.Expires)) {
			for _, p := range []string{j.path, j.path + ".sending", j.path + ".json"} {
				os.Remove(p)
			}
			continue
		}
		keep[j.ID], keep[j.ID+".json"], keep[j.ID+".sending"] = true, true, true
	}
	if s.cfg.DataDir == "" {
		return
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		return
	}
	for _, e := range entries {
		if keep[e.Name()] {
			continue
		}
		if info, err := e.Info(); err == nil && now.Sub(info.ModTime()) > orgExportStale {
			os.Remove(filepath.Join(dir, e.Name()))
		}
	}
}

// orgExportJobFor returns the actor's organisation's export with the id;
// another organisation's answers not found.
func (s *Server) orgExportJobFor(r *http.Request) (*orgExportJob, error) {
	j, err := s.readOrgExportJob(r.PathValue("id"))
	if err != nil {
		return nil, err
	}
	if j.OrgID != opora.ActorFrom(r.Context()).OrganisationID {
		return nil, opora.ErrNotFound
	}
	return j, nil
}

// orgExportPage explains the export and asks for its purpose; an export
// of the organisation under way or waiting shows its state instead.
func (s *Server) orgExportPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrgExport(w, r, http.StatusOK, nil, newForm(nil, nil))
}

// orgExportOf returns the organisation's export under way or waiting, the
// newest, or nil.
func (s *Server) orgExportOf(orgID int64) *orgExportJob {
	var found *orgExportJob
	for _, x := range s.orgExportJobs() {
		if x.OrgID == orgID && (x.Running() || x.Ready()) && (found == nil || x.Started.After(found.Started)) {
			found = x
		}
	}
	return found
}

func (s *Server) renderOrgExport(w http.ResponseWriter, r *http.Request, status int, j *orgExportJob, f *form) error {
	if j == nil {
		j = s.orgExportOf(opora.ActorFrom(r.Context()).OrganisationID)
	}
	if j != nil && j.Running() {
		w.Header().Set("Refresh", "2")
	}
	v := s.newView(r, "orgexport.title")
	v.Nav = "organisation"
	v.Form = f
	v.Data = map[string]any{"Job": j, "KeepHours": int(OrgExportKeep.Hours())}
	return s.render(w, r, status, "org_export", v)
}

// orgExportStart checks the purpose and starts the export.
func (s *Server) orgExportStart(w http.ResponseWriter, r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		return err
	}
	reason := r.PostForm.Get("reason")
	if err := opora.ValidateExportReason(reason); err != nil {
		return s.renderOrgExport(w, r, http.StatusUnprocessableEntity, nil, newForm(r.PostForm, err))
	}
	j, err := s.startOrgExport(r.Context(), reason)
	if errors.Is(err, errOrgExportBusy) {
		return s.redirect(w, r, "/admin/organisation/data", "orgexport.busy")
	}
	if err != nil {
		return err
	}
	return s.redirect(w, r, "/admin/organisation/data/"+j.ID, "")
}

var errOrgExportBusy = errors.New("web: an export of the organisation is under way")

// startOrgExport starts the export of the actor's organisation in the
// background, as the actor, beyond the request's end; one under way per
// organisation (also across instances, as far as their state files
// tell: two started in the same instant on two instances both run).
func (s *Server) startOrgExport(ctx context.Context, reason string) (*orgExportJob, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	s.sweepOrgExports()
	if err := os.MkdirAll(s.orgExportDir(), 0o700); err != nil {
		return nil, fmt.Errorf("web: org export: %w", err)
	}
	if x := s.orgExportOf(a.OrganisationID); x != nil && x.Running() {
		return nil, errOrgExportBusy
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	now := time.Now()
	j := &orgExportJob{ID: hex.EncodeToString(rnd[:]), OrgID: a.OrganisationID, UserID: a.UserID,
		Reason: strings.TrimSpace(reason), Started: s.store.Now(), Beat: now}
	j.path = filepath.Join(s.orgExportDir(), j.ID)
	if err := s.writeOrgExportJob(j); err != nil {
		return nil, err
	}
	c := *j
	ctx = context.WithoutCancel(ctx)
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		stop := make(chan struct{})
		beat := make(chan struct{})
		go func() { // the heartbeat, while the archive is written
			defer close(beat)
			t := time.NewTicker(orgExportBeat)
			defer t.Stop()
			for {
				select {
				case <-stop:
					return
				case <-t.C:
					b := *j
					b.Beat = time.Now()
					if err := s.writeOrgExportJob(&b); err != nil {
						s.log.Error("organisation export: state", "organisation_id", j.OrgID, "err", err)
					}
				}
			}
		}()
		m, size, err := s.writeOrgExport(ctx, &c)
		close(stop)
		<-beat
		j.Done, j.Beat, j.Expires = true, time.Now(), time.Now().Add(OrgExportKeep)
		if err != nil {
			s.log.Error("organisation export", "organisation_id", j.OrgID, "err", err) // ids only
			os.Remove(j.path)
			j.Failed = true
		} else {
			j.Size, j.Files = size, len(m.Files)
			for _, t := range m.Tables {
				j.Rows += t.Rows
			}
		}
		if err := s.writeOrgExportJob(j); err != nil {
			s.log.Error("organisation export: state", "organisation_id", j.OrgID, "err", err)
		}
		time.AfterFunc(OrgExportKeep+time.Minute, s.sweepOrgExports)
	}()
	return &c, nil
}

// writeOrgExport writes the archive to the job's file (0600), through the
// files key when the server has one, and returns the manifest and the
// archive's size.
func (s *Server) writeOrgExport(ctx context.Context, j *orgExportJob) (*store.OrgManifest, int64, error) {
	f, err := os.OpenFile(j.path, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	bw := bufio.NewWriterSize(f, 256<<10)
	var out io.Writer = bw
	var enc io.WriteCloser
	if s.cfg.FilesKey != nil {
		if enc, err = s.cfg.FilesKey.NewWriter(bw); err != nil {
			return nil, 0, err
		}
		out = enc
	}
	cw := &countWriter{w: out}
	m, err := s.store.ExportOrganisation(ctx, j.OrgID, cw, store.OrgExportOptions{Version: s.cfg.Version, Reason: j.Reason,
		OpenFile: func(k string) (io.ReadCloser, error) { return s.files.Open(k) }})
	if err != nil {
		return nil, 0, err
	}
	if enc != nil {
		if err := enc.Close(); err != nil {
			return nil, 0, err
		}
	}
	if err := bw.Flush(); err != nil {
		return nil, 0, err
	}
	if err := f.Sync(); err != nil {
		return nil, 0, err
	}
	return m, cw.n, f.Close()
}

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// orgExportStatus shows an export's progress (reloading itself) and, when
// it is ready, the download.
func (s *Server) orgExportStatus(w http.ResponseWriter, r *http.Request) error {
	j, err := s.orgExportJobFor(r)
	if err != nil {
		return err
	}
	return s.renderOrgExport(w, r, http.StatusOK, j, newForm(nil, nil))
}

// orgExportDownload sends the archive once (export.go has checked the
// purpose): the audit row, then the bytes, decrypted. The download claims
// the archive first by renaming it (atomic in the shared folder), so two
// at once, on any instances, cannot both have it; when all of it went out
// the file is removed and the job marked downloaded, and a second
// download is refused (410: start a new export). A download cut short
// puts the archive back for another try.
func (s *Server) orgExportDownload(w http.ResponseWriter, r *http.Request, x *exporter) error {
	j, err := s.orgExportJobFor(r)
	if err != nil {
		return err
	}
	sending := j.path + ".sending"
	claimed := j.Ready() && os.Rename(j.path, sending) == nil
	if !claimed {
		status := http.StatusConflict // not ready yet, or another download has it
		if j.Downloaded || j.Failed {
			status = http.StatusGone
		}
		return s.renderOrgExport(w, r, status, j, newForm(nil, nil))
	}
	sent := false
	defer func() {
		if !sent {
			os.Rename(sending, j.path)
			return
		}
		os.Remove(sending)
		j.Downloaded = true
		if err := s.writeOrgExportJob(j); err != nil {
			s.log.Error("organisation export: state", "organisation_id", j.OrgID, "err", err)
		}
	}()
	obj, err := files.OpenPath(sending, s.cfg.FilesKey)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return opora.ErrNotFound
		}
		return err
	}
	defer obj.Close()
	if err := x.audit(r.Context(), &opora.AuditEntry{Entity: "organisation", EntityID: j.OrgID, OrganisationID: j.OrgID,
		Section: fmt.Sprintf("organisation export download %d bytes", obj.Size())}); err != nil {
		return err
	}
	if err := x.sendArchive(w, obj, obj.Size(), "opora-organisation-"+s.store.Now().Format("2006-01-02")+".tar.gz"); err != nil {
		return err
	}
	sent = true
	return nil
}
