//! The simulated disk: an in-memory file tree that knows, for every file and directory, what is durable
//! (what an `fsync` of it made so) and what is only in the "page cache" (written but not yet synced), and a
//! FUSE filesystem over it.
//!
//! Durability rules (`Durability::Posix`, the default, is the strict reading of POSIX):
//! - a file's contents and size become durable when that file is `fsync`ed or `fdatasync`ed;
//! - a directory entry (create, unlink, rename, mkdir, rmdir) becomes durable when its directory is
//!   `fsync`ed; the data of a file whose name is not yet durable is kept with its inode, so a later sync of
//!   the directory publishes the name with whatever data that inode had made durable by then.
//!
//! `Durability::Journal` models a journaling filesystem (ext4 `data=ordered`): any fsync also commits every
//! pending namespace change.
//!
//! A crash freezes the disk (every later request fails with EIO, so nothing can be acknowledged after the
//! moment of the crash), then [`Disk::crash`] rolls every directory back to its durable entries and every
//! file back to its durable contents. In the `Torn` flavour each 512-byte sector written since the file's
//! last sync independently either reached the platter (its latest contents) or did not, and the file's size
//! is either the old one or the new one: unsynced writes may survive partly and in any order, as a real
//! page cache flushed by the kernel at random times leaves them.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::ffi::{OsStr, OsString};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, SystemTime};

use fuser::{
    Errno, FileAttr, FileHandle, FileType, Filesystem, FopenFlags, Generation, INodeNo, LockOwner,
    OpenFlags, RenameFlags, ReplyAttr, ReplyCreate, ReplyData, ReplyDirectory, ReplyEmpty,
    ReplyEntry, ReplyOpen, ReplyWrite, Request, TimeOrNow, WriteFlags,
};
use rand::Rng;

pub const SECTOR: u64 = 512;
const ROOT: u64 = 1;
/// Nothing is cached by the kernel beyond one request: every lookup and attribute comes from the model.
const TTL: Duration = Duration::ZERO;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Durability {
    Posix,
    Journal,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum CrashKind {
    /// Every unsynced write and namespace change is lost.
    LoseAll,
    /// Unsynced sectors survive or not at random, one by one; the size is the old or the new one.
    Torn,
}

#[derive(Debug, Default)]
struct Node {
    dir: bool,
    perm: u16,
    /// What a reader sees now.
    data: Vec<u8>,
    /// What survives a crash.
    durable: Vec<u8>,
    /// Sectors written (or cut by a truncation) since the last sync.
    dirty: BTreeSet<u64>,
    children: BTreeMap<OsString, u64>,
    durable_children: BTreeMap<OsString, u64>,
    mtime: Option<SystemTime>,
}

/// Counters a round reports.
#[derive(Debug, Default, Clone, Copy)]
pub struct Stats {
    pub file_syncs: u64,
    pub dir_syncs: u64,
    pub writes: u64,
    /// Sectors lost at crashes (written but never synced, and not kept by a torn crash).
    pub sectors_lost: u64,
    /// Unsynced sectors a torn crash kept.
    pub sectors_kept: u64,
    /// Namespace changes lost at crashes (directories whose entries differed from their durable ones).
    pub dirs_rolled_back: u64,
}

#[derive(Debug)]
pub struct Disk {
    nodes: HashMap<u64, Node>,
    next_ino: u64,
    frozen: bool,
    durability: Durability,
    /// A disk that says it synced and did not (the harness's negative control).
    pub lying: bool,
    pub stats: Stats,
}

impl Disk {
    pub fn new(durability: Durability) -> Self {
        let mut nodes = HashMap::new();
        nodes.insert(
            ROOT,
            Node {
                dir: true,
                perm: 0o755,
                ..Node::default()
            },
        );
        Disk {
            nodes,
            next_ino: ROOT + 1,
            frozen: false,
            durability,
            lying: false,
            stats: Stats::default(),
        }
    }

    /// From now on every request fails: the machine is off.
    pub fn freeze(&mut self) {
        self.frozen = true;
    }

    /// Rolls everything back to what was durable (keeping unsynced sectors at random in a torn crash), drops
    /// what is no longer reachable, and powers the disk back on.
    pub fn crash(&mut self, kind: CrashKind, rng: &mut impl Rng) {
        let mut inos: Vec<u64> = self.nodes.keys().copied().collect();
        inos.sort_unstable(); // the same rolls for the same seed
        for ino in inos {
            let Some(n) = self.nodes.get_mut(&ino) else {
                continue;
            };
            if n.dir {
                if n.children != n.durable_children {
                    self.stats.dirs_rolled_back += 1;
                }
                n.children = n.durable_children.clone();
                continue;
            }
            if kind == CrashKind::Torn && !n.dirty.is_empty() {
                let len = if rng.gen_bool(0.5) {
                    n.data.len()
                } else {
                    n.durable.len()
                };
                n.durable.resize(len, 0);
                for &s in &n.dirty {
                    let start = (s * SECTOR) as usize;
                    if start >= len {
                        break;
                    }
                    let end = (start + SECTOR as usize).min(len);
                    if rng.gen_bool(0.5) {
                        self.stats.sectors_kept += 1;
                        // The sector's latest contents (zeros where the file is now shorter).
                        for i in start..end {
                            n.durable[i] = n.data.get(i).copied().unwrap_or(0);
                        }
                    } else {
                        self.stats.sectors_lost += 1;
                    }
                }
            } else {
                self.stats.sectors_lost += n.dirty.len() as u64;
            }
            n.data = n.durable.clone();
            n.dirty.clear();
        }
        // Keep only what the durable tree reaches.
        let mut reach = vec![ROOT];
        let mut seen = BTreeSet::new();
        while let Some(i) = reach.pop() {
            if seen.insert(i) {
                if let Some(n) = self.nodes.get(&i) {
                    reach.extend(n.children.values().copied());
                }
            }
        }
        self.nodes.retain(|i, _| seen.contains(i));
        self.frozen = false;
    }

    /// Every file and directory as it is now, path → contents (None for a directory), for a failure's image.
    pub fn tree(&self) -> Vec<(String, Option<Vec<u8>>)> {
        let mut out = Vec::new();
        let mut stack = vec![(String::new(), ROOT)];
        while let Some((path, ino)) = stack.pop() {
            let Some(n) = self.nodes.get(&ino) else {
                continue;
            };
            for (name, child) in &n.children {
                let p = format!("{path}/{}", name.to_string_lossy());
                if let Some(c) = self.nodes.get(child) {
                    if c.dir {
                        out.push((p.clone(), None));
                        stack.push((p, *child));
                    } else {
                        out.push((p, Some(c.data.clone())));
                    }
                }
            }
        }
        out
    }

    fn attr(&self, ino: u64) -> Option<FileAttr> {
        let n = self.nodes.get(&ino)?;
        let t = n.mtime.unwrap_or(SystemTime::UNIX_EPOCH);
        let size = if n.dir { 0 } else { n.data.len() as u64 };
        Some(FileAttr {
            ino: INodeNo(ino),
            size,
            blocks: size.div_ceil(SECTOR),
            atime: t,
            mtime: t,
            ctime: t,
            crtime: t,
            kind: if n.dir {
                FileType::Directory
            } else {
                FileType::RegularFile
            },
            perm: n.perm,
            nlink: if n.dir { 2 } else { 1 },
            uid: 0,
            gid: 0,
            rdev: 0,
            blksize: 4096,
            flags: 0,
        })
    }

    fn dir_mut(&mut self, ino: u64) -> Result<&mut Node, Errno> {
        match self.nodes.get_mut(&ino) {
            Some(n) if n.dir => Ok(n),
            Some(_) => Err(Errno::ENOTDIR),
            None => Err(Errno::ENOENT),
        }
    }

    fn lookup(&self, parent: u64, name: &OsStr) -> Result<u64, Errno> {
        let p = self.nodes.get(&parent).ok_or(Errno::ENOENT)?;
        p.children.get(name).copied().ok_or(Errno::ENOENT)
    }

    fn make(&mut self, parent: u64, name: &OsStr, dir: bool, mode: u32) -> Result<u64, Errno> {
        if self.dir_mut(parent)?.children.contains_key(name) {
            return Err(Errno::EEXIST);
        }
        let ino = self.next_ino;
        self.next_ino += 1;
        self.nodes.insert(
            ino,
            Node {
                dir,
                perm: (mode & 0o7777) as u16,
                mtime: Some(SystemTime::now()),
                ..Node::default()
            },
        );
        self.dir_mut(parent)?.children.insert(name.to_owned(), ino);
        Ok(ino)
    }

    fn write(&mut self, ino: u64, offset: u64, bytes: &[u8]) -> Result<(), Errno> {
        let n = self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)?;
        if n.dir {
            return Err(Errno::EISDIR);
        }
        let end = offset as usize + bytes.len();
        if n.data.len() < end {
            // Sectors between the old end and the write are new (zeros), dirty too.
            let old = n.data.len() as u64;
            n.data.resize(end, 0);
            for s in old / SECTOR..(offset / SECTOR) {
                n.dirty.insert(s);
            }
        }
        n.data[offset as usize..end].copy_from_slice(bytes);
        if !bytes.is_empty() {
            for s in offset / SECTOR..=((end as u64 - 1) / SECTOR) {
                n.dirty.insert(s);
            }
        }
        n.mtime = Some(SystemTime::now());
        self.stats.writes += 1;
        Ok(())
    }

    fn truncate(&mut self, ino: u64, size: u64) -> Result<(), Errno> {
        let n = self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)?;
        if n.dir {
            return Err(Errno::EISDIR);
        }
        let old = n.data.len() as u64;
        let (lo, hi) = (old.min(size), old.max(size));
        if lo != hi {
            for s in lo / SECTOR..=((hi - 1) / SECTOR) {
                n.dirty.insert(s);
            }
        }
        n.data.resize(size as usize, 0);
        n.mtime = Some(SystemTime::now());
        Ok(())
    }

    fn sync_file(&mut self, ino: u64) -> Result<(), Errno> {
        if self.lying {
            return Ok(());
        }
        let n = self.nodes.get_mut(&ino).ok_or(Errno::ENOENT)?;
        if n.dir {
            n.durable_children = n.children.clone();
            self.stats.dir_syncs += 1;
            return Ok(());
        }
        n.durable.resize(n.data.len(), 0);
        for &s in &n.dirty {
            let start = (s * SECTOR) as usize;
            if start >= n.data.len() {
                break;
            }
            let end = (start + SECTOR as usize).min(n.data.len());
            n.durable[start..end].copy_from_slice(&n.data[start..end]);
        }
        n.dirty.clear();
        debug_assert_eq!(n.data, n.durable);
        self.stats.file_syncs += 1;
        if self.durability == Durability::Journal {
            self.commit_namespace();
        }
        Ok(())
    }

    fn commit_namespace(&mut self) {
        for n in self.nodes.values_mut() {
            if n.dir {
                n.durable_children = n.children.clone();
            }
        }
    }
}

/// The FUSE filesystem over a shared [`Disk`]; several mounts over time share one disk.
#[derive(Debug)]
pub struct Fs {
    pub disk: Arc<Mutex<Disk>>,
}

impl Fs {
    fn disk(&self) -> Result<MutexGuard<'_, Disk>, Errno> {
        let d = self.disk.lock().map_err(|_| Errno::EIO)?;
        if d.frozen {
            return Err(Errno::EIO);
        }
        Ok(d)
    }
}

macro_rules! tryr {
    ($reply:ident, $e:expr) => {
        match $e {
            Ok(v) => v,
            Err(e) => return $reply.error(e),
        }
    };
}

impl Filesystem for Fs {
    fn lookup(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEntry) {
        let d = tryr!(reply, self.disk());
        let ino = tryr!(reply, d.lookup(parent.0, name));
        let attr = tryr!(reply, d.attr(ino).ok_or(Errno::ENOENT));
        reply.entry(&TTL, &attr, Generation(0));
    }

    fn getattr(&self, _req: &Request, ino: INodeNo, _fh: Option<FileHandle>, reply: ReplyAttr) {
        let d = tryr!(reply, self.disk());
        let attr = tryr!(reply, d.attr(ino.0).ok_or(Errno::ENOENT));
        reply.attr(&TTL, &attr);
    }

    fn setattr(
        &self,
        _req: &Request,
        ino: INodeNo,
        mode: Option<u32>,
        _uid: Option<u32>,
        _gid: Option<u32>,
        size: Option<u64>,
        _atime: Option<TimeOrNow>,
        _mtime: Option<TimeOrNow>,
        _ctime: Option<SystemTime>,
        _fh: Option<FileHandle>,
        _crtime: Option<SystemTime>,
        _chgtime: Option<SystemTime>,
        _bkuptime: Option<SystemTime>,
        _flags: Option<fuser::BsdFileFlags>,
        reply: ReplyAttr,
    ) {
        let mut d = tryr!(reply, self.disk());
        if let Some(size) = size {
            tryr!(reply, d.truncate(ino.0, size));
        }
        if let Some(mode) = mode {
            if let Some(n) = d.nodes.get_mut(&ino.0) {
                n.perm = (mode & 0o7777) as u16;
            }
        }
        let attr = tryr!(reply, d.attr(ino.0).ok_or(Errno::ENOENT));
        reply.attr(&TTL, &attr);
    }

    fn mkdir(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        reply: ReplyEntry,
    ) {
        let mut d = tryr!(reply, self.disk());
        let ino = tryr!(reply, d.make(parent.0, name, true, mode & !umask));
        let attr = tryr!(reply, d.attr(ino).ok_or(Errno::EIO));
        reply.entry(&TTL, &attr, Generation(0));
    }

    fn mknod(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        _rdev: u32,
        reply: ReplyEntry,
    ) {
        if mode & libc::S_IFMT != libc::S_IFREG {
            return reply.error(Errno::EPERM);
        }
        let mut d = tryr!(reply, self.disk());
        let ino = tryr!(reply, d.make(parent.0, name, false, mode & !umask));
        let attr = tryr!(reply, d.attr(ino).ok_or(Errno::EIO));
        reply.entry(&TTL, &attr, Generation(0));
    }

    fn create(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        mode: u32,
        umask: u32,
        flags: i32,
        reply: ReplyCreate,
    ) {
        let mut d = tryr!(reply, self.disk());
        let ino = match d.lookup(parent.0, name) {
            Ok(_) if flags & libc::O_EXCL != 0 => return reply.error(Errno::EEXIST),
            Ok(ino) => {
                if flags & libc::O_TRUNC != 0 {
                    tryr!(reply, d.truncate(ino, 0));
                }
                ino
            }
            Err(_) => tryr!(reply, d.make(parent.0, name, false, mode & !umask)),
        };
        let attr = tryr!(reply, d.attr(ino).ok_or(Errno::EIO));
        reply.created(
            &TTL,
            &attr,
            Generation(0),
            FileHandle(0),
            FopenFlags::empty(),
        );
    }

    fn unlink(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut d = tryr!(reply, self.disk());
        let p = tryr!(reply, d.dir_mut(parent.0));
        tryr!(reply, p.children.remove(name).ok_or(Errno::ENOENT));
        reply.ok();
    }

    fn rmdir(&self, _req: &Request, parent: INodeNo, name: &OsStr, reply: ReplyEmpty) {
        let mut d = tryr!(reply, self.disk());
        let ino = tryr!(reply, d.lookup(parent.0, name));
        if !tryr!(reply, d.dir_mut(ino)).children.is_empty() {
            return reply.error(Errno::ENOTEMPTY);
        }
        tryr!(reply, d.dir_mut(parent.0)).children.remove(name);
        reply.ok();
    }

    fn rename(
        &self,
        _req: &Request,
        parent: INodeNo,
        name: &OsStr,
        newparent: INodeNo,
        newname: &OsStr,
        flags: RenameFlags,
        reply: ReplyEmpty,
    ) {
        if !flags.is_empty() {
            return reply.error(Errno::EINVAL);
        }
        let mut d = tryr!(reply, self.disk());
        let ino = tryr!(reply, d.lookup(parent.0, name));
        tryr!(reply, d.dir_mut(newparent.0));
        if let Ok(target) = d.lookup(newparent.0, newname) {
            if let Some(t) = d.nodes.get(&target) {
                if t.dir && !t.children.is_empty() {
                    return reply.error(Errno::ENOTEMPTY);
                }
            }
        }
        tryr!(reply, d.dir_mut(parent.0)).children.remove(name);
        tryr!(reply, d.dir_mut(newparent.0))
            .children
            .insert(newname.to_owned(), ino);
        reply.ok();
    }

    fn open(&self, _req: &Request, ino: INodeNo, flags: OpenFlags, reply: ReplyOpen) {
        let mut d = tryr!(reply, self.disk());
        tryr!(reply, d.attr(ino.0).ok_or(Errno::ENOENT));
        if flags.0 & libc::O_TRUNC != 0 {
            tryr!(reply, d.truncate(ino.0, 0));
        }
        reply.opened(FileHandle(0), FopenFlags::empty());
    }

    fn read(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        size: u32,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyData,
    ) {
        let d = tryr!(reply, self.disk());
        let n = tryr!(reply, d.nodes.get(&ino.0).ok_or(Errno::ENOENT));
        let start = (offset as usize).min(n.data.len());
        let end = (start + size as usize).min(n.data.len());
        reply.data(&n.data[start..end]);
    }

    fn write(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        data: &[u8],
        _write_flags: WriteFlags,
        _flags: OpenFlags,
        _lock_owner: Option<LockOwner>,
        reply: ReplyWrite,
    ) {
        let mut d = tryr!(reply, self.disk());
        tryr!(reply, d.write(ino.0, offset, data));
        reply.written(data.len() as u32);
    }

    fn flush(
        &self,
        _req: &Request,
        _ino: INodeNo,
        _fh: FileHandle,
        _lock_owner: LockOwner,
        reply: ReplyEmpty,
    ) {
        // close() is not a sync.
        let _disk = tryr!(reply, self.disk());
        reply.ok();
    }

    fn fsync(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        // fdatasync also makes the size durable (the metadata needed to read the data back).
        let mut d = tryr!(reply, self.disk());
        tryr!(reply, d.sync_file(ino.0));
        reply.ok();
    }

    fn fsyncdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        _datasync: bool,
        reply: ReplyEmpty,
    ) {
        let mut d = tryr!(reply, self.disk());
        tryr!(reply, d.sync_file(ino.0));
        reply.ok();
    }

    fn readdir(
        &self,
        _req: &Request,
        ino: INodeNo,
        _fh: FileHandle,
        offset: u64,
        mut reply: ReplyDirectory,
    ) {
        let d = tryr!(reply, self.disk());
        let n = tryr!(reply, d.nodes.get(&ino.0).ok_or(Errno::ENOENT));
        let mut entries: Vec<(u64, FileType, OsString)> = vec![
            (ino.0, FileType::Directory, ".".into()),
            (ino.0, FileType::Directory, "..".into()),
        ];
        for (name, child) in &n.children {
            let kind = match d.nodes.get(child) {
                Some(c) if c.dir => FileType::Directory,
                _ => FileType::RegularFile,
            };
            entries.push((*child, kind, name.clone()));
        }
        for (i, (ino, kind, name)) in entries.into_iter().enumerate().skip(offset as usize) {
            if reply.add(INodeNo(ino), (i + 1) as u64, kind, name) {
                break;
            }
        }
        reply.ok();
    }

    fn access(&self, _req: &Request, _ino: INodeNo, _mask: fuser::AccessFlags, reply: ReplyEmpty) {
        reply.ok();
    }
}
