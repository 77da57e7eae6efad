//! `accord validate FILE…`: checks STIX 2.1 bundles, single objects or lists of objects
//! against the specification and prints one line per problem.
//!
//! Each input is read as a stream: one thread reads and splits the document
//! (`stix_model::bundle::read_stix`), the calling thread parses and validates the objects as
//! they arrive through a bounded channel, so memory stays bounded by the largest single
//! object whatever the size of the bundle.

use std::fs::File;
use std::io::{self, BufWriter, Read, Write};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::mpsc;
use std::thread;

use clap::{Args, ValueEnum};
use serde::Serialize;
use stix_model::bundle::{Item, Location, Shape, read_stix};
use stix_model::{Options, Problem, Rule, Severity, StixError, Validator};

/// Objects in flight between the reading thread and the validating one.
const CHANNEL_DEPTH: usize = 1024;

const EXIT_HELP: &str = "\
Output: one line per problem on standard output,
  FILE: OBJECT-ID: /JSON/POINTER: SEVERITY: RULE: MESSAGE
where the pointer is relative to the object (or to the document for problems of the bundle
itself), and a one-line summary on standard error. An object without a readable id is
named by its place in the document, e.g. `(no id, /objects/12)`.

Exit status:
  0  every object is valid (warnings allowed)
  1  some object, the bundle itself, or its JSON has an error; this includes malformed JSON
     inside a document that starts as a JSON object or list (reported as rule `json` with
     the line and column; the objects before the fault are still validated)
  2  some input cannot be read: a missing or unreadable file, a read error, or content that
     is not a JSON object or list at all (empty, binary, YAML, a bare scalar).
     2 wins over 1.";

/// Validate STIX 2.1 bundles, objects or lists of objects.
#[derive(Debug, Clone, Args)]
#[command(after_long_help = EXIT_HELP)]
pub struct ValidateArgs {
    /// Files to validate; `-` or no file reads standard input.
    #[arg(value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// Print JSON Lines: one object per problem, then a summary object.
    #[arg(long)]
    pub json: bool,
    /// Strict custom content: custom objects, properties and undeclared extensions are errors.
    #[arg(long)]
    pub strict: bool,
    /// Print only the summary (and inputs that cannot be read).
    #[arg(long, short)]
    pub quiet: bool,
    /// What each input holds; `auto` tells a bundle, an object and a list apart.
    #[arg(long, value_enum, default_value_t = ShapeArg::Auto)]
    pub shape: ShapeArg,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ShapeArg {
    Auto,
    Bundle,
    Object,
    List,
}

impl From<ShapeArg> for Shape {
    fn from(shape: ShapeArg) -> Shape {
        match shape {
            ShapeArg::Auto => Shape::Auto,
            ShapeArg::Bundle => Shape::Bundle,
            ShapeArg::Object => Shape::Object,
            ShapeArg::List => Shape::List,
        }
    }
}

/// What a run found, over all inputs.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize)]
pub struct Tally {
    pub files: usize,
    pub objects: usize,
    pub errors: usize,
    pub warnings: usize,
    /// Inputs that could not be read.
    pub unreadable: usize,
}

impl Tally {
    /// 2 when an input could not be read, else 1 when an error was found, else 0.
    pub fn exit_code(&self) -> u8 {
        if self.unreadable > 0 {
            2
        } else if self.errors > 0 {
            1
        } else {
            0
        }
    }

    /// `N objects, E errors, W warnings in F files`, and the unreadable inputs if any.
    pub fn line(&self) -> String {
        let mut line = format!(
            "{}, {}, {} in {}",
            plural(self.objects, "object"),
            plural(self.errors, "error"),
            plural(self.warnings, "warning"),
            plural(self.files, "file"),
        );
        if self.unreadable > 0 {
            line.push_str(&format!(", {} unreadable", self.unreadable));
        }
        line
    }
}

fn plural(n: usize, word: &str) -> String {
    if n == 1 {
        format!("{n} {word}")
    } else {
        format!("{n} {word}s")
    }
}

/// Runs the command on the process's standard streams.
pub fn main(args: &ValidateArgs) -> ExitCode {
    let mut out = BufWriter::with_capacity(1 << 16, io::stdout().lock());
    let mut err = io::stderr();
    let result = run(args, io::stdin(), &mut out, &mut err).and_then(|tally| {
        out.flush()?;
        Ok(tally)
    });
    match result {
        Ok(tally) => {
            let _ = writeln!(err, "{}", tally.line());
            ExitCode::from(tally.exit_code())
        }
        // The reader of our output went away (`accord validate … | head`): nothing to say.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => ExitCode::from(2),
        Err(e) => {
            let _ = writeln!(err, "accord: cannot write the output: {e}");
            ExitCode::from(2)
        }
    }
}

/// Validates every input of `args` (standard input is `stdin`), writing problem lines to
/// `out` and notes on unreadable inputs to `err`. Fails only when writing fails.
pub fn run<W: Write>(
    args: &ValidateArgs,
    stdin: impl Read + Send,
    out: &mut W,
    err: &mut dyn Write,
) -> io::Result<Tally> {
    let options = if args.strict {
        Options::strict()
    } else {
        Options::default()
    };
    let mut report = Report {
        out,
        err,
        json: args.json,
        quiet: args.quiet,
        tally: Tally::default(),
    };
    let validator = Validator::new(options);
    let shape = Shape::from(args.shape);

    let stdin_only = [PathBuf::from("-")];
    let files = if args.files.is_empty() {
        &stdin_only[..]
    } else {
        &args.files[..]
    };
    let mut stdin = Some(stdin);
    for path in files {
        report.tally.files += 1;
        if path.as_os_str() == "-" {
            match stdin.take() {
                Some(stdin) => validate_input("<stdin>", stdin, shape, &validator, &mut report)?,
                None => report.unreadable("<stdin>", "standard input was already read")?,
            }
            continue;
        }
        let name = path.display().to_string();
        match File::open(path) {
            Ok(file) => validate_input(&name, file, shape, &validator, &mut report)?,
            Err(e) => report.unreadable(&name, &e.to_string())?,
        }
    }
    if args.json {
        report.summary()?;
    }
    Ok(report.tally)
}

fn validate_input<R: Read + Send, W: Write>(
    name: &str,
    reader: R,
    shape: Shape,
    validator: &Validator,
    report: &mut Report<'_, W>,
) -> io::Result<()> {
    let (sender, receiver) = mpsc::sync_channel::<Item>(CHANNEL_DEPTH);
    let (read_result, written) = thread::scope(|scope| {
        let reading = scope.spawn(move || {
            read_stix(reader, shape, |item| {
                // A closed channel means output failed; the read runs out on its own.
                let _ = sender.send(item);
            })
        });
        let written = validate_items(name, receiver, validator, report);
        (reading.join(), written)
    });
    written?;
    match read_result {
        Ok(Ok(_summary)) => Ok(()),
        Ok(Err(StixError::Json(e))) if !e.is_io() => {
            let problem = Problem {
                severity: Severity::Error,
                object_id: None,
                path: String::new(),
                rule: Rule::Json,
                message: e.to_string(),
            };
            report.problem(name, None, &problem)
        }
        Ok(Err(StixError::Json(e))) => report.unreadable(name, &e.to_string()),
        Ok(Err(e)) => report.unreadable(name, &e.to_string()),
        Err(_panic) => report.unreadable(name, "internal error while reading"),
    }
}

/// Validates the objects as they arrive and reports their problems, in document order.
fn validate_items<W: Write>(
    name: &str,
    receiver: mpsc::Receiver<Item>,
    validator: &Validator,
    report: &mut Report<'_, W>,
) -> io::Result<()> {
    for item in receiver {
        match item {
            Item::Object(object) => {
                report.tally.objects += 1;
                let problems = match object.parse() {
                    Ok(value) => validator.validate(&value),
                    Err(e) => vec![Problem {
                        severity: Severity::Error,
                        object_id: None,
                        path: String::new(),
                        rule: Rule::Json,
                        message: e.to_string(),
                    }],
                };
                for problem in &problems {
                    report.problem(name, Some(object.location), problem)?;
                }
            }
            Item::Problem(problem) => report.problem(name, None, &problem)?,
        }
    }
    Ok(())
}

struct Report<'a, W> {
    out: &'a mut W,
    err: &'a mut dyn Write,
    json: bool,
    quiet: bool,
    tally: Tally,
}

/// One line of `--json` output.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum Record<'a> {
    Problem {
        file: &'a str,
        /// JSON Pointer of the object in the document; absent for the document's own problems.
        #[serde(skip_serializing_if = "Option::is_none")]
        location: Option<String>,
        object_id: Option<&'a str>,
        path: &'a str,
        severity: &'static str,
        rule: &'static str,
        message: &'a str,
    },
    Unreadable {
        file: &'a str,
        message: &'a str,
    },
    Summary {
        #[serde(flatten)]
        tally: &'a Tally,
        exit_code: u8,
    },
}

impl<W: Write> Report<'_, W> {
    /// `location` is where the object sits in the document; `None` for problems of the
    /// document itself (the bundle's own, malformed JSON).
    fn problem(
        &mut self,
        file: &str,
        location: Option<Location>,
        problem: &Problem,
    ) -> io::Result<()> {
        match problem.severity {
            Severity::Error => self.tally.errors += 1,
            Severity::Warning => self.tally.warnings += 1,
        }
        if self.quiet {
            return Ok(());
        }
        if self.json {
            return self.record(&Record::Problem {
                file,
                location: location.map(Location::pointer),
                object_id: problem.object_id.as_deref(),
                path: &problem.path,
                severity: problem.severity.as_str(),
                rule: problem.rule.code(),
                message: &problem.message,
            });
        }
        let placeholder;
        let id = match (&problem.object_id, location) {
            (Some(id), _) => id.as_str(),
            (None, Some(Location::Document)) => "(no id)",
            (None, Some(location)) => {
                placeholder = format!("(no id, {})", location.pointer());
                &placeholder
            }
            (None, None) => "(document)",
        };
        let path = if problem.path.is_empty() {
            "/"
        } else {
            &problem.path
        };
        writeln!(
            self.out,
            "{file}: {id}: {path}: {}: {}: {}",
            problem.severity.as_str(),
            problem.rule.code(),
            problem.message
        )
    }

    fn unreadable(&mut self, file: &str, message: &str) -> io::Result<()> {
        self.tally.unreadable += 1;
        // A note for people on stderr whatever the format; machines get a record too.
        let _ = writeln!(self.err, "accord: {file}: cannot read: {message}");
        if self.json && !self.quiet {
            self.record(&Record::Unreadable { file, message })?;
        }
        Ok(())
    }

    fn summary(&mut self) -> io::Result<()> {
        let tally = self.tally.clone();
        self.record(&Record::Summary {
            tally: &tally,
            exit_code: tally.exit_code(),
        })
    }

    fn record(&mut self, record: &Record<'_>) -> io::Result<()> {
        serde_json::to_writer(&mut *self.out, record)?;
        self.out.write_all(b"\n")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unreadable_input_outranks_errors_in_the_exit_code() {
        let mut tally = Tally {
            warnings: 3,
            ..Tally::default()
        };
        assert_eq!(tally.exit_code(), 0);
        tally.errors = 1;
        assert_eq!(tally.exit_code(), 1);
        tally.unreadable = 1;
        assert_eq!(tally.exit_code(), 2);
    }

    #[test]
    fn summary_line_counts_objects_errors_warnings_and_files() {
        let tally = Tally {
            files: 1,
            objects: 2,
            errors: 1,
            warnings: 0,
            unreadable: 0,
        };
        assert_eq!(tally.line(), "2 objects, 1 error, 0 warnings in 1 file");
        let tally = Tally {
            unreadable: 2,
            files: 3,
            ..tally
        };
        assert_eq!(
            tally.line(),
            "2 objects, 1 error, 0 warnings in 3 files, 2 unreadable"
        );
    }
}
