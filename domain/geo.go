package domain

import (
	"math"

	"github.com/shopspring/decimal"
)

// earthRadiusM is the mean Earth radius (IUGG), in metres.
const earthRadiusM = 6_371_008.8

// DistanceMeters is the great-circle distance between two points given in
// degrees, by the haversine formula. Floats are right here: this is
// geometry, not money, and the sphere's error (under 0.5 %) is far below a
// phone's GPS error.
func DistanceMeters(lat1, lng1, lat2, lng2 float64) float64 {
	const rad = math.Pi / 180
	dLat, dLng := (lat2-lat1)*rad, (lng2-lng1)*rad
	a := math.Sin(dLat/2)*math.Sin(dLat/2) +
		math.Cos(lat1*rad)*math.Cos(lat2*rad)*math.Sin(dLng/2)*math.Sin(dLng/2)
	return 2 * earthRadiusM * math.Asin(math.Min(1, math.Sqrt(a)))
}

var (
	maxLat = decimal.NewFromInt(90)
	maxLng = decimal.NewFromInt(180)
)

// Position is where a shopper's phone says it is, in degrees. It must be in
// the coordinate system the stores' coordinates use (in China GCJ-02, what
// wx.getLocation answers with type "gcj02" and Chinese maps show).
type Position struct{ Lat, Lng float64 }

// NewPosition checks a reported position: both coordinates present and in
// range. Its field errors name lat and lng.
func NewPosition(lat, lng *decimal.Decimal) (Position, error) {
	var fe Fields
	switch {
	case lat == nil:
		fe.Add("lat", "is required with lng")
	case lat.Abs().GreaterThan(maxLat):
		fe.Add("lat", "must be between -90 and 90")
	}
	switch {
	case lng == nil:
		fe.Add("lng", "is required with lat")
	case lng.Abs().GreaterThan(maxLng):
		fe.Add("lng", "must be between -180 and 180")
	}
	if err := fe.Err("position_invalid"); err != nil {
		return Position{}, err
	}
	return Position{Lat: lat.InexactFloat64(), Lng: lng.InexactFloat64()}, nil
}

// DistanceTo is how far p is from the store, in metres.
func (s *Store) DistanceTo(p Position) float64 {
	return DistanceMeters(p.Lat, p.Lng, s.Latitude.InexactFloat64(), s.Longitude.InexactFloat64())
}

// CheckPresence says whether a shopper at p may open a visit of the store
// by location: only inside its geofence, and never when it has none
// (radius 0: only the entry code opens visits there).
func (s *Store) CheckPresence(p Position) error {
	if s.RadiusM <= 0 {
		return Errorf(EINVALID, "geofence_disabled", "store %s has no geofence: scan the entry code at the door", s.Code)
	}
	if d := s.DistanceTo(p); d > float64(s.RadiusM) {
		return Errorf(EINVALID, "outside_store", "you are %d m from store %s, outside its %d m geofence: come closer or scan the entry code at the door",
			int64(math.Round(d)), s.Code, s.RadiusM)
	}
	return nil
}
