-- The units a staff account manages (PostgreSQL; equal to ../sqlite/0003_user_units.sql). An
-- account with none manages every unit.
CREATE TABLE user_units (
    username TEXT NOT NULL REFERENCES users (username),
    unit TEXT NOT NULL REFERENCES units (name),
    PRIMARY KEY (username, unit)
);
