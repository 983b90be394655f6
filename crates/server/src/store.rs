//! `--data-dir`: rooms kept on disk, so a restart loses no chat, hand or resume token. Each
//! room is stored as its records (`Room::records`, the layout the Worker keeps in its
//! Durable Objects) in a redb file; a change writes only the records it touched. Writes go
//! to a thread of their own, which commits whatever has queued up in one transaction, so
//! no room waits for the disk.

use std::collections::HashMap;
use std::path::Path;
use std::sync::mpsc;

use redb::{Database, ReadableDatabase, ReadableTable, TableDefinition};
use satsuma_room::records::{Changes, Records};

/// Room records, keyed `<room>/<record key>` (room names have no `/`).
const ROOMS: TableDefinition<&str, &str> = TableDefinition::new("rooms");
/// SFU session ownership records, keyed as `Ownership::records` names them.
const SESSIONS: TableDefinition<&str, &str> = TableDefinition::new("sessions");
/// The file inside the data directory.
const FILE: &str = "satsuma.redb";

/// Why the store could not be opened or read.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The directory could not be created.
    #[error("cannot create {0}: {1}")]
    Dir(String, std::io::Error),
    /// The database failed.
    #[error("data store: {0}")]
    Db(#[from] redb::Error),
}

/// What the store held at start-up.
#[derive(Debug, Default)]
pub struct Stored {
    /// Each room's records.
    pub rooms: HashMap<String, Records>,
    /// The ownership records.
    pub sessions: Records,
}

/// A batch for the writer thread.
enum Write {
    Room(String, Changes),
    Sessions(Changes),
}

/// The open store: reads happen once at start-up, writes on the writer thread. Dropping
/// it waits for the writes already queued.
pub struct Store {
    tx: Option<mpsc::Sender<Write>>,
    writer: Option<std::thread::JoinHandle<()>>,
}

impl Drop for Store {
    fn drop(&mut self) {
        // Closing the queue ends the writer once it has committed what is left.
        self.tx.take();
        if let Some(writer) = self.writer.take() {
            let _ = writer.join();
        }
    }
}

impl std::fmt::Debug for Store {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Store")
    }
}

impl Store {
    /// Opens (or creates) the store in `dir` and reads what it holds.
    pub fn open(dir: &Path) -> Result<(Store, Stored), StoreError> {
        std::fs::create_dir_all(dir).map_err(|e| StoreError::Dir(dir.display().to_string(), e))?;
        let db = Database::create(dir.join(FILE)).map_err(redb::Error::from)?;
        let stored = read(&db)?;
        let (tx, rx) = mpsc::channel();
        let writer = std::thread::Builder::new()
            .name("satsuma-store".into())
            .spawn(move || writer(db, rx))
            .map_err(|e| StoreError::Dir(dir.display().to_string(), e))?;
        Ok((Store { tx: Some(tx), writer: Some(writer) }, stored))
    }

    /// Queues `changes` to the records of `room`.
    pub fn write_room(&self, room: &str, changes: Changes) {
        if let (false, Some(tx)) = (changes.is_empty(), &self.tx) {
            let _ = tx.send(Write::Room(room.to_owned(), changes));
        }
    }

    /// Queues `changes` to the ownership records.
    pub fn write_sessions(&self, changes: Changes) {
        if let (false, Some(tx)) = (changes.is_empty(), &self.tx) {
            let _ = tx.send(Write::Sessions(changes));
        }
    }
}

fn read(db: &Database) -> Result<Stored, redb::Error> {
    let mut stored = Stored::default();
    let txn = db.begin_read()?;
    match txn.open_table(ROOMS) {
        Ok(table) => {
            for row in table.iter()? {
                let (key, value) = row?;
                if let Some((room, record)) = key.value().split_once('/') {
                    stored.rooms.entry(room.to_owned()).or_default().insert(record.to_owned(), value.value().to_owned());
                }
            }
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(e) => return Err(e.into()),
    }
    match txn.open_table(SESSIONS) {
        Ok(table) => {
            for row in table.iter()? {
                let (key, value) = row?;
                stored.sessions.insert(key.value().to_owned(), value.value().to_owned());
            }
        }
        Err(redb::TableError::TableDoesNotExist(_)) => {}
        Err(e) => return Err(e.into()),
    }
    Ok(stored)
}

/// Commits batches until every [`Store`] handle is gone.
fn writer(db: Database, rx: mpsc::Receiver<Write>) {
    while let Ok(first) = rx.recv() {
        let batch: Vec<Write> = std::iter::once(first).chain(rx.try_iter()).collect();
        if let Err(e) = commit(&db, &batch) {
            tracing::error!(error = %e, "could not write rooms to the data directory");
        }
    }
}

fn commit(db: &Database, batch: &[Write]) -> Result<(), redb::Error> {
    let txn = db.begin_write()?;
    {
        let mut rooms = txn.open_table(ROOMS)?;
        let mut sessions = txn.open_table(SESSIONS)?;
        for write in batch {
            match write {
                Write::Room(room, changes) => {
                    for key in &changes.delete {
                        rooms.remove(format!("{room}/{key}").as_str())?;
                    }
                    for (key, value) in &changes.put {
                        rooms.insert(format!("{room}/{key}").as_str(), value.as_str())?;
                    }
                }
                Write::Sessions(changes) => {
                    for key in &changes.delete {
                        sessions.remove(key.as_str())?;
                    }
                    for (key, value) in &changes.put {
                        sessions.insert(key.as_str(), value.as_str())?;
                    }
                }
            }
        }
    }
    txn.commit()?;
    Ok(())
}
