package config

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func TestShopperSettings(t *testing.T) {
	c := mustLoad(t, nil)
	if c.ShopperTokenTTL != 2*time.Hour || c.VisitTTL != 2*time.Hour || c.ShopperLoginIPLimit != 300 {
		t.Fatalf("defaults: token %s, visit %s, login limit %d", c.ShopperTokenTTL, c.VisitTTL, c.ShopperLoginIPLimit)
	}
	c = mustLoad(t, map[string]string{"SHOPPER_TOKEN_TTL": "24h", "VISIT_TTL": "45m", "SHOPPER_LOGIN_IP_LIMIT": "1000"})
	if c.ShopperTokenTTL != 24*time.Hour || c.VisitTTL != 45*time.Minute || c.ShopperLoginIPLimit != 1000 {
		t.Fatalf("parsed: token %s, visit %s, login limit %d", c.ShopperTokenTTL, c.VisitTTL, c.ShopperLoginIPLimit)
	}
	for key, val := range map[string]string{
		"SHOPPER_TOKEN_TTL":      "1m",  // below 5m
		"VISIT_TTL":              "30s", // below 1m
		"SHOPPER_LOGIN_IP_LIMIT": "0",   // below 1
	} {
		_, err := Load(env(map[string]string{key: val, "JWT_SECRET": strings.Repeat("s", 32)}))
		if got := problemKeys(t, err); !slices.Equal(got, []string{key}) {
			t.Errorf("%s=%q: problems %v, want [%s]", key, val, got, key)
		}
	}
}
