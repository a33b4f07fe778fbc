use diesel::result::{DatabaseErrorKind, Error as DieselError};

/// The one error type of the persistence layer. It says *what* went wrong in
/// storage terms; the HTTP layer decides what a caller is told.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("row not found")]
    NotFound,
    /// A unique constraint rejected the write; the payload names it when the
    /// backend reports it (PostgreSQL does, SQLite only in its message).
    #[error("unique constraint violated: {0}")]
    Duplicate(String),
    #[error("foreign key violated: {0}")]
    ForeignKey(String),
    /// Optimistic concurrency: the row exists but its version moved on.
    #[error("version conflict")]
    VersionConflict,
    /// No connection could be had: the database is down or unreachable.
    #[error("database unavailable: {0}")]
    Unavailable(String),
    /// A stored value no longer parses into its domain type.
    #[error("corrupt row: {0}")]
    Corrupt(String),
    #[error("migration failed: {0}")]
    Migration(String),
    #[error("database error: {0}")]
    Database(DieselError),
}

impl From<DieselError> for StoreError {
    fn from(error: DieselError) -> Self {
        match error {
            DieselError::NotFound => StoreError::NotFound,
            DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
                StoreError::Duplicate(info.constraint_name().map_or_else(|| info.message().to_owned(), str::to_owned))
            }
            DieselError::DatabaseError(DatabaseErrorKind::ForeignKeyViolation, info) => {
                StoreError::ForeignKey(info.message().to_owned())
            }
            DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
                StoreError::Unavailable(info.message().to_owned())
            }
            other => StoreError::Database(other),
        }
    }
}

impl From<r2d2::Error> for StoreError {
    fn from(error: r2d2::Error) -> Self {
        StoreError::Unavailable(error.to_string())
    }
}

pub type StoreResult<T> = Result<T, StoreError>;
