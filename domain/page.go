package domain

// Page asks for one page of a list ordered by id. After is the last id of the
// previous page (0 for the first); Limit is already clamped by the caller.
type Page struct {
	Limit int
	After int64
}

// Page limits shared by every list endpoint (DESIGN §5).
const (
	DefaultPageLimit = 50
	MaxPageLimit     = 200
)
