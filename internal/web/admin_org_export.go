package web

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
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

// orgExportJob is one export being made or waiting to be downloaded.
type orgExportJob struct {
	ID      string // random hex: the page's address
	OrgID   int64
	UserID  int64
	Reason  string
	Started time.Time
	// Set when the export ends.
	Done       bool
	Failed     bool
	Downloaded bool
	Size       int64 // bytes of the archive (as downloaded)
	Rows       int
	Files      int
	Expires    time.Time
	path       string
}

// Running reports whether the export is still being made.
func (j *orgExportJob) Running() bool { return !j.Done }

// Ready reports whether the archive waits to be downloaded.
func (j *orgExportJob) Ready() bool { return j.Done && !j.Failed && !j.Downloaded && j.path != "" }

// SizeMB is the archive's size in whole megabytes, rounded up; 0 for less
// than one (the page then says so).
func (j *orgExportJob) SizeMB() int64 {
	if j.Size < 1<<20 {
		return 0
	}
	return (j.Size + 1<<20 - 1) >> 20
}

// orgExports holds the server's exports; one at a time per organisation.
type orgExports struct {
	mu   sync.Mutex
	jobs map[string]*orgExportJob
}

func (s *Server) orgExportDir() string {
	if s.cfg.DataDir == "" {
		return filepath.Join(os.TempDir(), "opora-exports") // shared: never swept by listing
	}
	return filepath.Join(s.cfg.DataDir, "exports")
}

// sweepOrgExports removes the archives no job waits with: left by an
// earlier run of the server, or past their time.
func (s *Server) sweepOrgExports() {
	s.exports.mu.Lock()
	defer s.exports.mu.Unlock()
	now := time.Now()
	keep := map[string]bool{}
	for id, j := range s.exports.jobs {
		if j.Done && !j.Expires.IsZero() && now.After(j.Expires) {
			if j.path != "" {
				os.Remove(j.path)
			}
			delete(s.exports.jobs, id)
			continue
		}
		if j.path != "" {
			keep[filepath.Base(j.path)] = true
		}
	}
	if s.cfg.DataDir == "" {
		return
	}
	entries, err := os.ReadDir(s.orgExportDir())
	if err != nil {
		return
	}
	for _, e := range entries {
		if !keep[e.Name()] {
			os.Remove(filepath.Join(s.orgExportDir(), e.Name()))
		}
	}
}

// orgExportJobFor returns the actor's organisation's export with the id;
// another organisation's answers not found.
func (s *Server) orgExportJobFor(r *http.Request) (*orgExportJob, error) {
	a := opora.ActorFrom(r.Context())
	s.exports.mu.Lock()
	defer s.exports.mu.Unlock()
	j := s.exports.jobs[r.PathValue("id")]
	if j == nil || j.OrgID != a.OrganisationID {
		return nil, opora.ErrNotFound
	}
	c := *j
	return &c, nil
}

// orgExportPage explains the export and asks for its purpose; an export
// of the organisation under way or waiting shows its state instead.
func (s *Server) orgExportPage(w http.ResponseWriter, r *http.Request) error {
	return s.renderOrgExport(w, r, http.StatusOK, nil, newForm(nil, nil))
}

func (s *Server) renderOrgExport(w http.ResponseWriter, r *http.Request, status int, j *orgExportJob, f *form) error {
	if j == nil {
		a := opora.ActorFrom(r.Context())
		s.exports.mu.Lock()
		for _, x := range s.exports.jobs {
			if x.OrgID == a.OrganisationID && (x.Running() || x.Ready()) {
				c := *x
				j = &c
			}
		}
		s.exports.mu.Unlock()
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
// background, as the actor, beyond the request's end; one at a time per
// organisation.
func (s *Server) startOrgExport(ctx context.Context, reason string) (*orgExportJob, error) {
	a := opora.ActorFrom(ctx)
	if err := a.Require(opora.PermAdminOrg); err != nil {
		return nil, err
	}
	s.sweepOrgExports()
	if err := os.MkdirAll(s.orgExportDir(), 0o700); err != nil {
		return nil, fmt.Errorf("web: org export: %w", err)
	}
	var rnd [16]byte
	if _, err := rand.Read(rnd[:]); err != nil {
		return nil, err
	}
	j := &orgExportJob{ID: hex.EncodeToString(rnd[:]), OrgID: a.OrganisationID, UserID: a.UserID,
		Reason: strings.TrimSpace(reason), Started: s.store.Now()}
	j.path = filepath.Join(s.orgExportDir(), j.ID)
	s.exports.mu.Lock()
	if s.exports.jobs == nil {
		s.exports.jobs = map[string]*orgExportJob{}
	}
	for _, x := range s.exports.jobs {
		if x.OrgID == a.OrganisationID && x.Running() {
			s.exports.mu.Unlock()
			return nil, errOrgExportBusy
		}
	}
	s.exports.jobs[j.ID] = j
	c := *j
	s.exports.mu.Unlock()
	ctx = context.WithoutCancel(ctx)
	s.jobs.Add(1)
	go func() {
		defer s.jobs.Done()
		m, size, err := s.writeOrgExport(ctx, &c)
		s.exports.mu.Lock()
		defer s.exports.mu.Unlock()
		j.Done, j.Expires = true, time.Now().Add(OrgExportKeep)
		if err != nil {
			s.log.Error("organisation export", "organisation_id", j.OrgID, "err", err) // ids only
			os.Remove(j.path)
			j.Failed, j.path = true, ""
			return
		}
		j.Size, j.Files = size, len(m.Files)
		for _, t := range m.Tables {
			j.Rows += t.Rows
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
// the archive first, so two at once cannot both have it; when all of it
// went out the file is removed, and a second download is refused (410:
// start a new export). A download cut short leaves it for another try.
func (s *Server) orgExportDownload(w http.ResponseWriter, r *http.Request, x *exporter) error {
	j, err := s.orgExportJobFor(r)
	if err != nil {
		return err
	}
	s.exports.mu.Lock()
	cur := s.exports.jobs[j.ID]
	claimed := cur != nil && cur.Ready()
	if claimed {
		cur.Downloaded = true
	}
	s.exports.mu.Unlock()
	if !claimed {
		status := http.StatusConflict
		if j.Done {
			status = http.StatusGone
		}
		j.Downloaded = j.Done && !j.Failed
		return s.renderOrgExport(w, r, status, j, newForm(nil, nil))
	}
	sent := false
	defer func() {
		s.exports.mu.Lock()
		defer s.exports.mu.Unlock()
		if sent {
			os.Remove(cur.path)
			cur.path = ""
		} else {
			cur.Downloaded = false
		}
	}()
	obj, err := files.OpenPath(j.path, s.cfg.FilesKey)
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
