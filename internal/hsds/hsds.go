// Package hsds is the Open Referral Human Services Data Specification 3.0
// as a file format (issue 24 item 5): the JSON objects of the resource map
// (organizations with their phones, contacts, locations and services,
// services with their places, schedules, contacts and attributes), the
// official JSON schemas embedded from schema/ (CC BY-SA 4.0, see
// schema/README.md), and the check of an uploaded document against them
// with each problem's JSON path. It knows nothing of SQL or HTTP: the store
// maps these objects to the resource_* tables (docs/RESOURCES.md).
//
// A document is a JSON array of organization objects, each as HSDS's API
// returns a fully nested organization with its services
// (/organizations/{id}?full_service=true): organization.json's fields with
// "phones", "contacts", "locations" (addresses, phones, schedules,
// attributes), "organization_identifiers" and "services" (phones,
// contacts, schedules, service_at_locations with their schedules,
// attributes with their taxonomy_term). An HSDS API page ({"contents":
// [...]}) is read too.
package hsds

// Organization is HSDS's organization, nesting its services.
type Organization struct {
	ID                      string                    `json:"id"`
	Name                    string                    `json:"name"`
	AlternateName           string                    `json:"alternate_name,omitempty"`
	Description             string                    `json:"description"`
	Email                   string                    `json:"email,omitempty"`
	Website                 string                    `json:"website,omitempty"`
	TaxID                   string                    `json:"tax_id,omitempty"`
	LegalStatus             string                    `json:"legal_status,omitempty"`
	Phones                  []*Phone                  `json:"phones,omitempty"`
	Contacts                []*Contact                `json:"contacts,omitempty"`
	Locations               []*Location               `json:"locations,omitempty"`
	OrganizationIdentifiers []*OrganizationIdentifier `json:"organization_identifiers,omitempty"`
	Services                []*Service                `json:"services,omitempty"`
}

// OrganizationIdentifier is HSDS's organization_identifier. Opora writes
// one with the scheme NetworkScheme naming the organisation of its network
// that this organization is.
type OrganizationIdentifier struct {
	ID               string `json:"id"`
	OrganizationID   string `json:"organization_id,omitempty"`
	IdentifierScheme string `json:"identifier_scheme,omitempty"`
	IdentifierType   string `json:"identifier_type"`
	Identifier       string `json:"identifier"`
}

// NetworkScheme is the identifier_scheme of the identifier that links an
// organization to an organisation of Opora's network (by its name).
const NetworkScheme = "opora-network"

// Location is HSDS's location.
type Location struct {
	ID             string       `json:"id"`
	LocationType   string       `json:"location_type"`
	URL            string       `json:"url,omitempty"`
	OrganizationID string       `json:"organization_id,omitempty"`
	Name           string       `json:"name,omitempty"`
	AlternateName  string       `json:"alternate_name,omitempty"`
	Description    string       `json:"description,omitempty"`
	Transportation string       `json:"transportation,omitempty"`
	Latitude       *float64     `json:"latitude,omitempty"`
	Longitude      *float64     `json:"longitude,omitempty"`
	Addresses      []*Address   `json:"addresses,omitempty"`
	Contacts       []*Contact   `json:"contacts,omitempty"`
	Phones         []*Phone     `json:"phones,omitempty"`
	Schedules      []*Schedule  `json:"schedules,omitempty"`
	Attributes     []*Attribute `json:"attributes,omitempty"`
}

// Address is HSDS's address.
type Address struct {
	ID            string `json:"id"`
	LocationID    string `json:"location_id,omitempty"`
	Attention     string `json:"attention,omitempty"`
	Address1      string `json:"address_1"`
	Address2      string `json:"address_2,omitempty"`
	City          string `json:"city"`
	Region        string `json:"region,omitempty"`
	StateProvince string `json:"state_province"`
	PostalCode    string `json:"postal_code"`
	Country       string `json:"country"`
	AddressType   string `json:"address_type"`
}

// Service is HSDS's service.
type Service struct {
	ID                     string               `json:"id"`
	OrganizationID         string               `json:"organization_id,omitempty"`
	Name                   string               `json:"name"`
	AlternateName          string               `json:"alternate_name,omitempty"`
	Description            string               `json:"description,omitempty"`
	URL                    string               `json:"url,omitempty"`
	Email                  string               `json:"email,omitempty"`
	Status                 string               `json:"status"`
	ApplicationProcess     string               `json:"application_process,omitempty"`
	FeesDescription        string               `json:"fees_description,omitempty"`
	EligibilityDescription string               `json:"eligibility_description,omitempty"`
	MinimumAge             *float64             `json:"minimum_age,omitempty"`
	MaximumAge             *float64             `json:"maximum_age,omitempty"`
	Alert                  string               `json:"alert,omitempty"`
	LastModified           string               `json:"last_modified,omitempty"`
	Phones                 []*Phone             `json:"phones,omitempty"`
	Schedules              []*Schedule          `json:"schedules,omitempty"`
	ServiceAtLocations     []*ServiceAtLocation `json:"service_at_locations,omitempty"`
	Contacts               []*Contact           `json:"contacts,omitempty"`
	Attributes             []*Attribute         `json:"attributes,omitempty"`
	// Organization is the service's own organization when a service is
	// given on its own; nested in an organization it is the parent again
	// and is not read.
	Organization *Organization `json:"organization,omitempty"`
}

// ServiceAtLocation is HSDS's service_at_location.
type ServiceAtLocation struct {
	ID          string      `json:"id"`
	ServiceID   string      `json:"service_id,omitempty"`
	LocationID  string      `json:"location_id,omitempty"`
	Description string      `json:"description,omitempty"`
	Contacts    []*Contact  `json:"contacts,omitempty"`
	Phones      []*Phone    `json:"phones,omitempty"`
	Schedules   []*Schedule `json:"schedules,omitempty"`
	// Location is the location itself, when the file nests it here
	// rather than under the organization.
	Location *Location `json:"location,omitempty"`
}

// Schedule is HSDS's schedule (an RFC 5545-style rule).
type Schedule struct {
	ID                  string `json:"id"`
	ServiceID           string `json:"service_id,omitempty"`
	LocationID          string `json:"location_id,omitempty"`
	ServiceAtLocationID string `json:"service_at_location_id,omitempty"`
	ValidFrom           string `json:"valid_from,omitempty"`
	ValidTo             string `json:"valid_to,omitempty"`
	Wkst                string `json:"wkst,omitempty"`
	Freq                string `json:"freq,omitempty"`
	Byday               string `json:"byday,omitempty"`
	Description         string `json:"description,omitempty"`
	OpensAt             string `json:"opens_at,omitempty"`
	ClosesAt            string `json:"closes_at,omitempty"`
	Notes               string `json:"notes,omitempty"`
}

// Phone is HSDS's phone.
type Phone struct {
	ID                  string   `json:"id"`
	LocationID          string   `json:"location_id,omitempty"`
	ServiceID           string   `json:"service_id,omitempty"`
	OrganizationID      string   `json:"organization_id,omitempty"`
	ContactID           string   `json:"contact_id,omitempty"`
	ServiceAtLocationID string   `json:"service_at_location_id,omitempty"`
	Number              string   `json:"number"`
	Extension           *float64 `json:"extension,omitempty"`
	Type                string   `json:"type,omitempty"`
	Description         string   `json:"description,omitempty"`
}

// Contact is HSDS's contact.
type Contact struct {
	ID                  string   `json:"id"`
	OrganizationID      string   `json:"organization_id,omitempty"`
	ServiceID           string   `json:"service_id,omitempty"`
	ServiceAtLocationID string   `json:"service_at_location_id,omitempty"`
	LocationID          string   `json:"location_id,omitempty"`
	Name                string   `json:"name,omitempty"`
	Title               string   `json:"title,omitempty"`
	Department          string   `json:"department,omitempty"`
	Email               string   `json:"email,omitempty"`
	Phones              []*Phone `json:"phones,omitempty"`
}

// Attribute is HSDS's attribute: a taxonomy term applied to an entity,
// with an optional value.
type Attribute struct {
	ID             string        `json:"id"`
	LinkID         string        `json:"link_id,omitempty"`
	TaxonomyTermID string        `json:"taxonomy_term_id,omitempty"`
	LinkEntity     string        `json:"link_entity,omitempty"`
	Value          string        `json:"value,omitempty"`
	TaxonomyTerm   *TaxonomyTerm `json:"taxonomy_term,omitempty"`
}

// TermID is the attribute's term: taxonomy_term_id, or the nested term's id.
func (a *Attribute) TermID() string {
	if a.TaxonomyTermID != "" {
		return a.TaxonomyTermID
	}
	if a.TaxonomyTerm != nil {
		return a.TaxonomyTerm.ID
	}
	return ""
}

// TaxonomyTerm is HSDS's taxonomy_term.
type TaxonomyTerm struct {
	ID          string `json:"id"`
	Code        string `json:"code,omitempty"`
	Name        string `json:"name"`
	Description string `json:"description"`
	ParentID    string `json:"parent_id,omitempty"`
	Taxonomy    string `json:"taxonomy,omitempty"`
}

// Opora's own taxonomies: terms of these are written by the export for
// what HSDS has no field for, and read back by the import; they are never
// stored as terms.
const (
	// TerritoryTaxonomy: an attribute of a location, its value the
	// municipality's (or district's) path "Область / Район / Посёлок".
	TerritoryTaxonomy = "opora-territory"
	// CapacityTaxonomy: attributes of a service with its places — codes
	// CapacityCode, FreePlacesCode, CapacityNoteCode, CapacityUpdatedCode.
	CapacityTaxonomy = "opora-capacity"
	// NeedsTaxonomy is the taxonomy of the needs the map's services answer.
	NeedsTaxonomy = "opora-needs"
)

// The codes of CapacityTaxonomy's terms.
const (
	CapacityCode        = "capacity"
	FreePlacesCode      = "free_places"
	CapacityNoteCode    = "capacity_note"
	CapacityUpdatedCode = "capacity_updated_at"
)

// Fixed ids of Opora's own terms (the same in every installation).
const (
	TerritoryTermID       = "6f0d5a0e-4c1b-4e8a-9d43-0a6b8c2f1e01"
	CapacityTermID        = "6f0d5a0e-4c1b-4e8a-9d43-0a6b8c2f1e02"
	FreePlacesTermID      = "6f0d5a0e-4c1b-4e8a-9d43-0a6b8c2f1e03"
	CapacityNoteTermID    = "6f0d5a0e-4c1b-4e8a-9d43-0a6b8c2f1e04"
	CapacityUpdatedTermID = "6f0d5a0e-4c1b-4e8a-9d43-0a6b8c2f1e05"
)

// OwnTerms are Opora's own terms by id.
var OwnTerms = map[string]*TaxonomyTerm{
	TerritoryTermID: {ID: TerritoryTermID, Code: "territory", Name: "Муниципалитет",
		Description: "Муниципальное образование (или населённый пункт), где находится адрес: путь от области", Taxonomy: TerritoryTaxonomy},
	CapacityTermID: {ID: CapacityTermID, Code: CapacityCode, Name: "Мест всего",
		Description: "Сколько всего мест у услуги", Taxonomy: CapacityTaxonomy},
	FreePlacesTermID: {ID: FreePlacesTermID, Code: FreePlacesCode, Name: "Свободных мест",
		Description: "Сколько мест свободно сейчас", Taxonomy: CapacityTaxonomy},
	CapacityNoteTermID: {ID: CapacityNoteTermID, Code: CapacityNoteCode, Name: "О местах",
		Description: "Пояснение о местах (очередь, с какого времени)", Taxonomy: CapacityTaxonomy},
	CapacityUpdatedTermID: {ID: CapacityUpdatedTermID, Code: CapacityUpdatedCode, Name: "Места указаны",
		Description: "Когда сказали, сколько мест (RFC 3339)", Taxonomy: CapacityTaxonomy},
}
