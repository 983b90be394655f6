//! The app's pages and how a path maps to them.

use crate::room_name;

/// Which page a path shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Route {
    /// `/`: start or find a meeting.
    Landing,
    /// `/{room}`: the prejoin page, then the call.
    Room(String),
    /// `/{room}/watch`: the room's stage, watched without joining (WHEP).
    Watch(String),
    /// Anything else.
    NotFound,
}

impl Route {
    /// The page for `path` (a URL's pathname, percent-encoded as the browser gives it).
    pub fn parse(path: &str) -> Self {
        let trimmed = path.strip_prefix('/').unwrap_or(path);
        let trimmed = trimmed.strip_suffix('/').unwrap_or(trimmed);
        if trimmed.is_empty() {
            Self::Landing
        } else if let Some(room) = trimmed.strip_suffix("/watch").filter(|r| room_name::is_valid(r)) {
            Self::Watch(room.to_owned())
        } else if room_name::is_valid(trimmed) {
            Self::Room(trimmed.to_owned())
        } else {
            Self::NotFound
        }
    }

    /// The path that shows this page.
    pub fn path(&self) -> String {
        match self {
            Self::Landing | Self::NotFound => "/".to_owned(),
            Self::Room(room) => format!("/{room}"),
            Self::Watch(room) => format!("/{room}/watch"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::Route;

    #[test]
    fn paths_map_to_pages() {
        assert_eq!(Route::parse("/"), Route::Landing);
        assert_eq!(Route::parse(""), Route::Landing);
        assert_eq!(Route::parse("/team-sync"), Route::Room("team-sync".into()));
        assert_eq!(Route::parse("/team-sync/"), Route::Room("team-sync".into()));
        assert_eq!(Route::parse("/Not%20A%20Room!"), Route::NotFound);
        assert_eq!(Route::parse("/a/b"), Route::NotFound);
        assert_eq!(Route::parse(&format!("/{}", "a".repeat(65))), Route::NotFound);
        assert_eq!(Route::parse(&Route::Room("x-1".into()).path()), Route::Room("x-1".into()));
        assert_eq!(Route::parse("/team-sync/watch"), Route::Watch("team-sync".into()));
        assert_eq!(Route::parse("/Bad!/watch"), Route::NotFound);
        assert_eq!(Route::parse(&Route::Watch("x-1".into()).path()), Route::Watch("x-1".into()));
    }
}
