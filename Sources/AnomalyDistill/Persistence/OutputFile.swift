import Foundation

/// An output file written whole or not at all: bytes go to a temporary file beside the target, which replaces
/// the target only when ``commit()`` is called, so a command that fails never leaves a half-written or
/// emptied output behind.
///
/// The target must be absent or a regular file: a directory, a device, a FIFO or a socket is refused (writing
/// `/dev/full` or a named pipe through a rename would replace it). A symbolic link is followed: the file it
/// points to is replaced and the link stays. An existing file keeps its permission bits.
///
/// Byte arrays given to ``write(_:)-([UInt8])`` are written in order by a background thread, which also flushes
/// them to the disk every 16 MiB, so that a large output (`score` of a million rows: 50 MB) is written and made
/// durable while the caller computes the next piece, and ``commit()``'s `fsync` finds little left to do. At most
/// four pieces wait at a time; a failed write is reported by the next call or by ``commit()``, and nothing is
/// renamed into place after one.
public final class OutputFile: @unchecked Sendable {
    // @unchecked: `descriptor` changes only after `pending.wait()`, when no background write is left;
    // `failure` and `unsynced` are guarded by `lock` (and `unsynced` is touched by the writer thread only).
    /// The path as the user gave it.
    public let path: String
    /// The file that will be replaced (symbolic links resolved).
    let target: String
    private let temporary: String
    private var descriptor: Int32
    private let mode: mode_t?
    private let writer = DispatchQueue(label: "anomaly-distill.output-file")
    private let pending = DispatchGroup()
    private let slots = DispatchSemaphore(value: 4)
    private let lock = NSLock()
    /// The `errno` of the first background write that failed (0: none).
    private var failure: Int32 = 0
    /// Bytes written since the last flush to the disk (writer thread only).
    private var unsynced = 0
    /// Bytes after which the writer thread flushes what it wrote to the disk.
    static let syncInterval = 16 << 20

    /// Checks the target and creates the temporary file beside it.
    ///
    /// - Throws: `DataError.unwritable` naming the path and saying why (empty path, a directory, not a regular
    ///   file, a missing folder, no permission).
    public init(path: String) throws {
        self.path = path
        guard !path.isEmpty else { throw DataError.unwritable(file: "\"\"", reason: "the path is empty") }
        let resolved = URL(fileURLWithPath: path).resolvingSymlinksInPath().path
        var info = stat()
        var mode: mode_t?
        if stat(resolved, &info) == 0 {
            let kind = info.st_mode & S_IFMT
            if kind == S_IFDIR { throw DataError.unwritable(file: path, reason: "it is a directory") }
            guard kind == S_IFREG else {
                throw DataError.unwritable(file: path, reason: "it is not a regular file (a device, a pipe or a socket)")
            }
            mode = info.st_mode & 0o7777
        }
        self.mode = mode
        target = resolved
        let folder = (resolved as NSString).deletingLastPathComponent
        var folderInfo = stat()
        guard stat(folder.isEmpty ? "." : folder, &folderInfo) == 0, folderInfo.st_mode & S_IFMT == S_IFDIR else {
            throw DataError.unwritable(file: path, reason: "the folder \(folder.isEmpty ? "." : folder) does not exist")
        }
        let name = (resolved as NSString).lastPathComponent
        var created: String?
        var fd: Int32 = -1
        for attempt in 0..<16 {
            let candidate = (folder as NSString).appendingPathComponent(
                ".\(name).tmp-\(getpid())-\(UInt32.random(in: 0...UInt32.max))-\(attempt)")
            fd = open(candidate, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode ?? 0o644)
            if fd >= 0 { created = candidate; break }
            if errno != EEXIST { break }
        }
        guard let created, fd >= 0 else {
            throw DataError.unwritable(file: path, reason: String(cString: strerror(errno)))
        }
        temporary = created
        descriptor = fd
    }

    deinit { discard() }

    /// Appends bytes, written by the background thread (in order with every other write).
    /// - Throws: `DataError.unwritable` when an earlier write failed (a full disk, say); the target is untouched.
    public func write(_ bytes: [UInt8]) throws {
        guard descriptor >= 0 else { throw DataError.unwritable(file: path, reason: "the output was closed") }
        try checkFailure()
        guard !bytes.isEmpty else { return }
        slots.wait()
        pending.enter()
        let fd = descriptor
        writer.async { [self] in
            let error = bytes.withUnsafeBytes { Self.writeAll($0, to: fd) }
            if error == 0 {
                unsynced += bytes.count
                if unsynced >= Self.syncInterval {
                    _ = fdatasync(fd)  // a failure here shows again at commit's fsync
                    unsynced = 0
                }
            } else {
                lock.withLock { if failure == 0 { failure = error } }
            }
            slots.signal()
            pending.leave()
        }
    }

    /// Appends bytes now, after every byte array handed over before.
    /// - Throws: `DataError.unwritable` (a full disk, say); the target is untouched.
    public func write(_ buffer: UnsafeRawBufferPointer) throws {
        guard descriptor >= 0 else { throw DataError.unwritable(file: path, reason: "the output was closed") }
        pending.wait()
        try checkFailure()
        let failure = Self.writeAll(buffer, to: descriptor)
        if failure != 0 { throw DataError.unwritable(file: path, reason: String(cString: strerror(failure))) }
    }

    /// Throws the first background write's failure, if there was one.
    private func checkFailure() throws {
        let error = lock.withLock { failure }
        if error != 0 { throw DataError.unwritable(file: path, reason: String(cString: strerror(error))) }
    }

    /// Writes every byte of `buffer` to a file descriptor, retrying short and interrupted writes.
    /// - Returns: 0, or the `errno` of the write that failed (`EPIPE` for a closed pipe).
    public static func writeAll(_ buffer: UnsafeRawBufferPointer, to descriptor: Int32) -> Int32 {
        var offset = 0
        while offset < buffer.count {
            let n = Foundation.write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
            if n < 0 {
                if errno == EINTR { continue }
                return errno
            }
            offset += n
        }
        return 0
    }

    /// Makes the written bytes the target's contents (an atomic rename).
    /// - Throws: `DataError.unwritable` when the data cannot be flushed or the rename fails.
    public func commit() throws {
        guard descriptor >= 0 else { throw DataError.unwritable(file: path, reason: "the output was closed") }
        pending.wait()
        do {
            try checkFailure()
        } catch {
            discard()
            throw error
        }
        if let mode { fchmod(descriptor, mode) }
        let synced = fsync(descriptor) == 0 || errno == EINVAL
        let closed = close(descriptor) == 0
        descriptor = -1
        guard synced && closed else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError.unwritable(file: path, reason: reason)
        }
        guard rename(temporary, target) == 0 else {
            let reason = String(cString: strerror(errno))
            unlink(temporary)
            throw DataError.unwritable(file: path, reason: reason)
        }
    }

    /// Drops what was written; the target is untouched.
    public func discard() {
        pending.wait()
        if descriptor >= 0 {
            close(descriptor)
            descriptor = -1
            unlink(temporary)
        }
    }

    /// ``init(path:)`` with its error as a ``ModelError/unwritable(file:reason:)``, for model files.
    public static func opening(_ path: String) throws -> OutputFile {
        do {
            return try OutputFile(path: path)
        } catch let DataError.unwritable(file, reason) {
            throw ModelError.unwritable(file: file, reason: reason)
        }
    }

    /// ``commit()`` with its error as a ``ModelError/unwritable(file:reason:)``.
    public func committing() throws {
        do {
            try commit()
        } catch let DataError.unwritable(file, reason) {
            throw ModelError.unwritable(file: file, reason: reason)
        }
    }

    /// Writes `bytes` to `path` whole or not at all.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        let file = try OutputFile(path: path)
        try file.write(bytes)
        try file.commit()
    }
}
