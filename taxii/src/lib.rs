//! TAXII 2.1 (OASIS) for Accord: what the resources are, how requests are read (media types,
//! filters, pagination cursors) and answered, written against the [`store::Store`] trait so
//! that it knows nothing of SQL, and against plain request/response values so that it knows
//! nothing of the web framework. The hub maps [`error::TaxiiError`] to HTTP statuses in one
//! place.

pub mod cursor;
pub mod error;
pub mod ids;
pub mod ingest;
pub mod media_type;
pub mod params;
pub mod query;
pub mod resources;
pub mod service;
pub mod store;

pub use error::TaxiiError;
pub use ids::{ApiRootName, CollectionId, StatusId};
pub use service::{Request, Settings, TaxiiResponse, Upload};
