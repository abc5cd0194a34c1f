//! A typed arena: items of one kind in a `Vec`, named by [`Handle`]s (naga's `Arena`/`Handle`).
//!
//! A handle is a `u32` index with the item type in its type, so a `Handle<Expr>` cannot be used
//! where a `Handle<Local>` is meant. Handles are only ever created by [`Arena::append`] (or, for
//! tests and checks, [`Handle::new`]); a handle from another arena may be out of range, which is
//! why lookups go through [`Arena::get`] wherever a kernel has not been verified yet.

use std::fmt;
use std::hash::{Hash, Hasher};
use std::marker::PhantomData;

/// The index of an item in an [`Arena<T>`].
pub struct Handle<T> {
    index: u32,
    marker: PhantomData<fn() -> T>,
}

impl<T> Handle<T> {
    /// The handle of the item at `index` (it need not exist: lookups check).
    pub const fn new(index: u32) -> Self {
        Handle {
            index,
            marker: PhantomData,
        }
    }

    /// The item's position in its arena.
    pub const fn index(self) -> usize {
        self.index as usize
    }
}

impl<T> Clone for Handle<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Handle<T> {}

impl<T> PartialEq for Handle<T> {
    fn eq(&self, other: &Self) -> bool {
        self.index == other.index
    }
}

impl<T> Eq for Handle<T> {}

impl<T> PartialOrd for Handle<T> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}

impl<T> Ord for Handle<T> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.index.cmp(&other.index)
    }
}

impl<T> Hash for Handle<T> {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.index.hash(state);
    }
}

impl<T> fmt::Debug for Handle<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "#{}", self.index)
    }
}

/// Items of one kind, in the order they were appended.
#[derive(Clone, PartialEq)]
pub struct Arena<T> {
    items: Vec<T>,
}

impl<T> Default for Arena<T> {
    fn default() -> Self {
        Arena { items: Vec::new() }
    }
}

impl<T: fmt::Debug> fmt::Debug for Arena<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_map().entries(self.iter()).finish()
    }
}

impl<T> Arena<T> {
    /// An empty arena.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `item` at the end; its handle.
    ///
    /// # Panics
    /// When the arena already holds `u32::MAX` items (a kernel never comes near that).
    pub fn append(&mut self, item: T) -> Handle<T> {
        let index = u32::try_from(self.items.len()).expect("kir arena overflow: more than u32::MAX items");
        self.items.push(item);
        Handle::new(index)
    }

    /// The item `h` names, if it is in this arena.
    pub fn get(&self, h: Handle<T>) -> Option<&T> {
        self.items.get(h.index())
    }

    /// The item `h` names, mutably, if it is in this arena.
    pub fn get_mut(&mut self, h: Handle<T>) -> Option<&mut T> {
        self.items.get_mut(h.index())
    }

    /// How many items there are.
    pub fn len(&self) -> usize {
        self.items.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }

    /// The items with their handles, in order.
    pub fn iter(&self) -> impl Iterator<Item = (Handle<T>, &T)> + '_ {
        self.items
            .iter()
            .enumerate()
            .map(|(i, t)| (Handle::new(u32::try_from(i).unwrap_or(u32::MAX)), t))
    }

    /// The first item for which `pred` holds, with its handle.
    pub fn find(&self, mut pred: impl FnMut(&T) -> bool) -> Option<(Handle<T>, &T)> {
        self.iter().find(|(_, t)| pred(t))
    }
}

impl<T> std::ops::Index<Handle<T>> for Arena<T> {
    type Output = T;

    /// # Panics
    /// When `h` is not in this arena: index only verified kernels, else use [`Arena::get`].
    fn index(&self, h: Handle<T>) -> &T {
        &self.items[h.index()]
    }
}

impl<T> std::ops::IndexMut<Handle<T>> for Arena<T> {
    fn index_mut(&mut self, h: Handle<T>) -> &mut T {
        &mut self.items[h.index()]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn append_get_and_bounds() {
        let mut a: Arena<&str> = Arena::new();
        assert!(a.is_empty());
        let x = a.append("x");
        let y = a.append("y");
        assert_eq!((x.index(), y.index()), (0, 1));
        assert_eq!(a[y], "y");
        assert_eq!(a.get(Handle::new(2)), None);
        assert_eq!(a.len(), 2);
        assert_eq!(a.find(|s| *s == "y").map(|(h, _)| h), Some(y));
        assert_eq!(format!("{x:?}"), "#0");
        assert_eq!(a.iter().map(|(_, s)| *s).collect::<Vec<_>>(), ["x", "y"]);
    }
}
