package main

import (
	"context"
	"fmt"
	"os"

	"github.com/seniorpartnerskabet/seniorbot/intake/config"
	"github.com/seniorpartnerskabet/seniorbot/storage"
)

// openDatabase loads the configuration and opens an existing database.
func openDatabase(ctx context.Context, e *env) (config.Config, *storage.DB, error) {
	cfg, err := campaignConfig(e)
	if err != nil {
		return cfg, nil, err
	}
	db, err := openExisting(ctx, cfg)
	return cfg, db, err
}

// openExisting opens the configured database, which must exist: opening a
// mistyped path would otherwise create an empty database and report
// nothing registered.
func openExisting(ctx context.Context, cfg config.Config) (*storage.DB, error) {
	if err := requireDatabase(cfg); err != nil {
		return nil, err
	}
	return storage.Open(ctx, cfg.Storage.Path)
}

// openReadOnly loads the configuration (no secrets: see campaignConfig)
// and opens the existing database read-only, for the commands that only
// look: list, show, export, summary without --send.
func openReadOnly(ctx context.Context, e *env) (config.Config, *storage.DB, error) {
	cfg, err := campaignConfig(e)
	if err != nil {
		return cfg, nil, err
	}
	if err := requireDatabase(cfg); err != nil {
		return cfg, nil, err
	}
	db, err := storage.OpenReadOnly(ctx, cfg.Storage.Path)
	return cfg, db, err
}

// requireDatabase reports, naming the key, when the configured database
// does not exist.
func requireDatabase(cfg config.Config) error {
	if _, err := os.Stat(cfg.Storage.Path); err != nil {
		return fmt.Errorf("no database at %s: name it with [storage] path in the config (--config or SENIORBOT_CONFIG), "+
			"or run in the folder where seniorbot run without a config keeps %s", cfg.Storage.Path, LocalDatabase)
	}
	return nil
}
