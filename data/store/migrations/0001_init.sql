-- 0001: scenarios with their data sets, plans, and per-scenario blobs.
--
-- Every row that belongs to a scenario references scenarios(id) with
-- ON DELETE CASCADE, so deleting (or replacing) a scenario removes its
-- schools, units, today's zoning, candidate sites, plans and blobs in the
-- same statement. Rows keep their position in the Dataset slices in `ord`,
-- because hot paths address schools and units by index.
-- Enumerations are stored by their FORMATS.md spelling (TEXT), times as
-- Unix nanoseconds (INTEGER), coordinates as IEEE doubles (REAL, lossless).

CREATE TABLE scenarios (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL UNIQUE,
    planar     INTEGER NOT NULL CHECK (planar IN (0, 1)),
    crs        TEXT    NOT NULL,
    created    INTEGER NOT NULL,
    parent     TEXT    NOT NULL,
    note       TEXT    NOT NULL,
    schools    INTEGER NOT NULL,
    units      INTEGER NOT NULL,
    current    INTEGER NOT NULL,
    candidates INTEGER NOT NULL
);

CREATE TABLE schools (
    scenario_id       INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    ord               INTEGER NOT NULL,
    id                TEXT    NOT NULL,
    name              TEXT    NOT NULL,
    x                 REAL    NOT NULL,
    y                 REAL    NOT NULL,
    primary_seats     INTEGER NOT NULL,
    junior_seats      INTEGER NOT NULL,
    primary_classes   INTEGER NOT NULL,
    junior_classes    INTEGER NOT NULL,
    ownership         TEXT    NOT NULL,
    purchased_seats   INTEGER NOT NULL,
    boarding          INTEGER NOT NULL,
    area              TEXT    NOT NULL,
    status            TEXT    NOT NULL,
    staff             REAL    NOT NULL,
    qualified_teachers REAL   NOT NULL,
    key_teachers      REAL    NOT NULL,
    pe_art_teachers   REAL    NOT NULL,
    building_m2       REAL    NOT NULL,
    sports_m2         REAL    NOT NULL,
    equipment_yuan    REAL    NOT NULL,
    multimedia_rooms  REAL    NOT NULL,
    -- bit r set: resource r was given (data.School.HasResource[r]).
    has_resources     INTEGER NOT NULL,
    PRIMARY KEY (scenario_id, ord),
    UNIQUE (scenario_id, id)
) WITHOUT ROWID;

CREATE TABLE units (
    scenario_id      INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    ord              INTEGER NOT NULL,
    id               TEXT    NOT NULL,
    name             TEXT    NOT NULL,
    area             TEXT    NOT NULL,
    x                REAL    NOT NULL,
    y                REAL    NOT NULL,
    -- WKB (little endian) Polygon or MultiPolygon; NULL for point units.
    geom             BLOB,
    primary_pupils   INTEGER NOT NULL,
    junior_pupils    INTEGER NOT NULL,
    primary_migrants INTEGER NOT NULL,
    junior_migrants  INTEGER NOT NULL,
    households       INTEGER NOT NULL,
    PRIMARY KEY (scenario_id, ord),
    UNIQUE (scenario_id, id)
) WITHOUT ROWID;

CREATE TABLE current_zones (
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    ord         INTEGER NOT NULL,
    unit_id     TEXT    NOT NULL,
    stage       TEXT    NOT NULL,
    school_id   TEXT    NOT NULL,
    PRIMARY KEY (scenario_id, ord)
) WITHOUT ROWID;

CREATE TABLE candidates (
    scenario_id   INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    ord           INTEGER NOT NULL,
    id            TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    x             REAL    NOT NULL,
    y             REAL    NOT NULL,
    primary_seats INTEGER NOT NULL,
    junior_seats  INTEGER NOT NULL,
    cost          REAL    NOT NULL,
    PRIMARY KEY (scenario_id, ord)
) WITHOUT ROWID;

CREATE TABLE plans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL CHECK (revision > 0),
    parent      INTEGER NOT NULL,
    author      TEXT    NOT NULL,
    comment     TEXT    NOT NULL,
    created     INTEGER NOT NULL,
    policy      TEXT,
    report      TEXT,
    meta        TEXT,
    zones       INTEGER NOT NULL,
    placements  INTEGER NOT NULL,
    UNIQUE (scenario_id, revision)
);

CREATE TABLE plan_zones (
    plan_id   INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    ord       INTEGER NOT NULL,
    unit_id   TEXT    NOT NULL,
    stage     TEXT    NOT NULL,
    school_id TEXT    NOT NULL,
    PRIMARY KEY (plan_id, ord)
) WITHOUT ROWID;

CREATE TABLE plan_placements (
    plan_id   INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    ord       INTEGER NOT NULL,
    unit_id   TEXT    NOT NULL,
    stage     TEXT    NOT NULL,
    school_id TEXT    NOT NULL,
    pupils    INTEGER NOT NULL,
    migrants  INTEGER NOT NULL,
    meters    REAL    NOT NULL,
    placement TEXT    NOT NULL,
    PRIMARY KEY (plan_id, ord)
) WITHOUT ROWID;

CREATE TABLE blobs (
    scenario_id INTEGER NOT NULL REFERENCES scenarios(id) ON DELETE CASCADE,
    key         TEXT    NOT NULL,
    data        BLOB    NOT NULL,
    PRIMARY KEY (scenario_id, key)
) WITHOUT ROWID;
