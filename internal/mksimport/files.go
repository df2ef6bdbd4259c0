package mksimport

import (
	"context"
	"database/sql"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/opora-project/opora/internal/files"
	"github.com/opora-project/opora/internal/opora"
)

// МКС keeps scans (document_file.filename) and photos (client.photo_name)
// in its upload folder (VichUploader), not in the database. With
// Options.FilesDir and Options.Files the scans are found there by file
// name (in any subfolder), checked like an upload, stored like one and
// recorded as the client's files; without them, and for photos, they are
// counted in the report as not imported.

type mksFile struct {
	ID, Client, Type int64
	Comment          sql.NullString
	Name             string
}

func (im *importer) files(ctx context.Context) error {
	if err := im.photos(ctx); err != nil {
		return err
	}
	rows, err := im.db.QueryContext(ctx, `SELECT id, COALESCE(client_id, 0), COALESCE(type_id, 0), comment, filename
		FROM document_file WHERE filename IS NOT NULL AND filename <> '' ORDER BY id`)
	if err != nil {
		return err
	}
	var recs []mksFile
	for rows.Next() {
		var f mksFile
		if err := rows.Scan(&f.ID, &f.Client, &f.Type, &f.Comment, &f.Name); err != nil {
			rows.Close()
			return err
		}
		recs = append(recs, f)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if im.opt.FilesDir == "" || im.opt.Files == nil {
		for _, f := range recs {
			if _, done := im.ids["file"][f.ID]; !done {
				im.rep.skip("file", "not imported", "document_file (give МКС's upload folder)", f.ID)
			}
		}
		im.rep.Already["file"] = len(im.ids["file"])
		return nil
	}
	found := map[string]string{} // file name → path
	err = filepath.WalkDir(im.opt.FilesDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.Type().IsRegular() {
			if _, dup := found[d.Name()]; !dup {
				found[d.Name()] = path
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	docTypes, err := im.docTypes(ctx)
	if err != nil {
		return err
	}
	mksTypes, err := im.names(ctx, "document_type")
	if err != nil {
		return err
	}
	var stored []string // keys written in the current batch, removed if it rolls back
	im.afterBatch = func(ok bool) {
		if !ok {
			for _, k := range stored {
				_ = im.opt.Files.Remove(k)
			}
		}
		stored = stored[:0]
	}
	defer func() { im.afterBatch = nil }()
	a := opora.ActorFrom(ctx)
	return batch(ctx, im, "file", recs, func(f mksFile) int64 { return f.ID },
		func(ctx context.Context, m mksFile) (int64, error) {
			cid := im.ids["client"][m.Client]
			if cid == 0 {
				im.rep.skip("file", "missing", "client not imported", m.ID)
				return 0, nil
			}
			path, ok := found[filepath.Base(m.Name)]
			if !ok {
				im.rep.skip("file", "missing", "not in the upload folder", m.ID)
				return 0, nil
			}
			data, err := os.ReadFile(path)
			if err != nil {
				return 0, err
			}
			mime, err := files.CheckUpload(data)
			if err != nil {
				im.rep.skip("file", "refused", err.Error(), m.ID)
				return 0, nil
			}
			st, err := im.opt.Files.Put(a.OrganisationID, im.st.Now(), data)
			if err != nil {
				return 0, err
			}
			stored = append(stored, st.Key)
			f := &opora.File{ClientID: cid, Name: files.SafeName(m.Name), MIME: mime, Size: st.Size, SHA256: st.SHA256,
				StorageKey: st.Key, Comment: strings.TrimSpace(m.Comment.String)}
			if m.Type != 0 {
				if f.TypeID = docTypes(mksTypes[m.Type]); f.TypeID == 0 {
					im.rep.unmapped("file", "document_type", mksTypes[m.Type], m.ID)
				}
			}
			if err := im.st.AddClientFile(ctx, f); err != nil {
				if invalid(err) {
					im.rep.skip("file", "invalid", "refused by Opora's checks", m.ID)
					return 0, nil
				}
				return 0, err
			}
			return f.ID, nil
		})
}

func (im *importer) photos(ctx context.Context) error {
	rows, err := im.db.QueryContext(ctx, `SELECT id FROM client WHERE photo_name IS NOT NULL AND photo_name <> '' ORDER BY id`)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return err
		}
		im.rep.unmapped("file", "not imported", "client photo", id)
	}
	return rows.Err()
}

// docTypes returns a matcher of МКС document type names to Opora's
// document_type dictionary.
func (im *importer) docTypes(ctx context.Context) (func(name string) int64, error) {
	items, err := im.st.DictionaryItems(ctx, opora.DictDocumentType, false)
	if err != nil {
		return nil, err
	}
	byLabel, byKey := map[string]int64{}, map[string]int64{}
	for _, d := range items {
		byLabel[key(d.Label)], byKey[d.Key] = d.ID, d.ID
	}
	return func(name string) int64 {
		if id := byLabel[key(name)]; id != 0 {
			return id
		}
		return byKey[docAliases[key(name)]]
	}, nil
}
