//! The facade's error type.

use std::path::PathBuf;

/// Everything the library facade can report.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("{path}: {source}")]
    Ir {
        path: PathBuf,
        #[source]
        source: edgecc_ir::IrError,
    },
    #[error(
        "{path}: unknown model format (expected .onnx or a .eir text graph; a .edgebin device binary runs \
         with `edgecc run` and `edgecc bench`)"
    )]
    UnknownFormat { path: PathBuf },
    #[error(
        "unknown target `{0}`; targets: reference (the CPU interpreter), auto or wgsl (the local Vulkan \
         adapter), or a device profile (`edgecc targets` lists them)"
    )]
    UnknownTarget(String),
    #[error("bad --shape `{0}`: expected NAME=VALUE with VALUE a non-negative integer")]
    BadShapeArg(String),
    #[error("--shape names `{name}`, which is not a symbolic dim of any graph input (symbolic dims: {known})")]
    UnknownSymbol { name: String, known: String },
    #[error("symbolic dim `{name}` = {value} exceeds its bound {max}")]
    SymbolOutOfRange { name: String, value: u64, max: u64 },
    #[error("--dynamic names `{name}`, which is not a symbolic dim of any graph input (symbolic dims: {known})")]
    UnknownDynamic { name: String, known: String },
    #[error("dynamic dim `{name}` needs a bound of at least 1")]
    ZeroBound { name: String },
    #[error("{path}: {source}")]
    Onnx {
        path: PathBuf,
        #[source]
        source: edgecc_onnx::OnnxError,
    },
    #[error("{path}: {msg}")]
    Npy { path: PathBuf, msg: String },
    #[error("{path}: not UTF-8 text (first invalid byte at offset {offset}); a .eir file is text")]
    NotUtf8 { path: PathBuf, offset: usize },
    #[error("{flag} gives `{name}` twice; give each name once")]
    Repeated { flag: &'static str, name: String },
    #[error("bad --input `{0}`: expected NAME=FILE.npy")]
    BadInputArg(String),
    #[error("--input names `{name}`, which is not a graph input (inputs: {known})")]
    UnknownInput { name: String, known: String },
    #[error("input `{name}` is not given: pass --input {name}=FILE.npy (or --random-inputs)")]
    MissingInput { name: String },
    #[error(
        "value `{value}` ({ty}) needs {bytes} bytes, over the limit of {max} per tensor; give symbolic dims \
         smaller values with --shape NAME=VALUE (they default to their bound), or raise EDGECC_MAX_TENSOR_BYTES"
    )]
    TooLarge {
        value: String,
        ty: String,
        bytes: u64,
        max: u64,
    },
    #[error(transparent)]
    Graph(#[from] edgecc_ir::IrError),
    #[error(transparent)]
    Run(#[from] edgecc_backends::reference::RefError),
    #[error(transparent)]
    Wgsl(#[from] edgecc_backends::wgsl::WgslError),
    #[error(transparent)]
    Pass(edgecc_passes::PassError),
    #[error("bad --emit `{0}`: expected wgsl, spirv or msl")]
    BadEmit(String),
    #[error("bad --precision `{0}`: expected f32 or f16")]
    BadPrecision(String),
    #[error("target `{target}` is a {backend} device; the {backend} backend is not built yet (WGSL targets: `edgecc targets`)")]
    BackendNotBuilt { target: String, backend: String },
    #[error("no local adapter matches target `{target}` (adapters: {adapters}); pick one with --adapter or use --target auto")]
    NoDeviceFor { target: String, adapters: String },
    #[error("{0}")]
    BadInputs(String),
    #[error(
        "device `{device}` refused the shader of dispatch `{dispatch}`: {message}; the binary does not fit this \
         device (compile the model for it: --target auto)"
    )]
    DoesNotFit {
        device: String,
        dispatch: String,
        message: String,
    },
    #[error(
        "the binary's code was generated for a device with {limit} = {need}; device `{device}` has {have}: \
         recompile the model for this device (--target auto)"
    )]
    BelowLimits {
        device: String,
        limit: &'static str,
        need: u64,
        have: u64,
    },
    // ---- device binaries (`.edgebin`, src/artifact) ----
    /// A device binary read from (or written to) a file: `source` says what is wrong with it.
    #[error("{path}: {source}")]
    BinaryFile {
        path: PathBuf,
        #[source]
        source: Box<Error>,
    },
    #[error("not an edgecc device binary: it does not start with the magic bytes `EDGEBIN\\0` (found {found})")]
    NotEdgebin { found: String },
    #[error(
        "device binary format version {found} is not supported: this edgecc {edgecc} reads format version \
         {supported}{hint}"
    )]
    BinaryVersion {
        found: u32,
        supported: u32,
        edgecc: String,
        hint: &'static str,
    },
    #[error("corrupt or truncated device binary: {message} (at byte offset {offset})")]
    CorruptBinary { offset: u64, message: String },
    #[error("invalid device binary: {field}: {message}")]
    BadManifest { field: String, message: String },
    #[error(
        "this binary was compiled for target `{binary}`, but the device is `{device}`; recompile it with \
         `--target {device}`"
    )]
    TargetMismatch { binary: String, device: String },
    #[error("the binary is not signed, and this device runs only binaries signed by publisher key {expected}; have the publisher sign it")]
    Unsigned { expected: String },
    #[error("the binary is signed by key {found}, not by this device's publisher key {expected}")]
    WrongSigner { found: String, expected: String },
    #[error("bad signature: {0}")]
    BadSignature(String),
    #[error("{path}: {message}")]
    KeyFile { path: PathBuf, message: String },
}

impl Error {
    /// True for errors that are edgecc's own bugs (exit code 2) rather than the user's input.
    pub fn is_internal(&self) -> bool {
        match self {
            Error::Run(e) => matches!(e, edgecc_backends::reference::RefError::Internal { .. }),
            Error::Wgsl(e) => e.is_internal(),
            Error::Pass(_) => true,
            _ => false,
        }
    }
}

/// Result alias for the facade.
pub type Result<T, E = Error> = std::result::Result<T, E>;
