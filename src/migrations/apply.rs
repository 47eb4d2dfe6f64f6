//! Schema mutations shared by every migration frontend (SQL now, Alembic
//! later): each checks that what it touches exists at that point (MG201,
//! MG202) or does not yet (MG203), records lost columns, and never panics.
//! OWNER: sql replay helper.
