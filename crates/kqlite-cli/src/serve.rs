//! `kqlite serve`: the exports behind Kusto's REST API, until Ctrl-C.

use std::sync::Arc;

use kqlite_server::{AuditHook, ServeOptions};

use crate::args::{Args, ServeArgs};
use crate::{audit, Failure};

pub async fn run(serve: &ServeArgs) -> Result<(), Failure> {
    let data = Args {
        data: serve.data.clone(),
        table: serve.table.clone(),
        export_tz: serve.export_tz,
        now: serve.now.clone(),
        memory_limit: serve.memory_limit,
        pseudonymize: serve.pseudonymize.clone(),
        ..Args::default()
    };
    let mut engine = crate::open_engine(&data).await?;
    // Clients read what --data names, and local files only below --allow-externaldata.
    engine
        .confine_external_to(&serve.allow_externaldata)
        .map_err(|e| Failure::Usage(format!("--allow-externaldata: {e}")))?;
    let mut options = options(serve)?;
    options.audit = audit_hook(serve)?;
    let listener = kqlite_server::bind(&options)
        .await
        .map_err(Failure::Usage)?;
    let address = listener.local_addr()?;
    eprintln!(
        "kqlite serve: http://{address} (database {}, {} tables); Ctrl-C stops it",
        options.database,
        engine.table_names().len()
    );
    let stop = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    kqlite_server::run(listener, engine, options, stop).await?;
    Ok(())
}

/// Appends each query to the audit log (on unless --no-audit), and says where it is.
fn audit_hook(serve: &ServeArgs) -> Result<Option<AuditHook>, Failure> {
    if serve.no_audit {
        return Ok(None);
    }
    let path = match &serve.audit {
        Some(path) => path.clone(),
        None => {
            let home = crate::data_home().ok_or_else(|| {
                Failure::Usage(
                    "no home folder for the audit log: give --audit FILE or --no-audit".into(),
                )
            })?;
            std::fs::create_dir_all(&home)?;
            home.join("serve-audit.jsonl")
        }
    };
    let log = audit::Log::open(&path)
        .map_err(|e| Failure::Usage(format!("--audit {}: {e}", path.display())))?;
    eprintln!("kqlite serve: each query is audited to {}", path.display());
    Ok(Some(Arc::new(move |engine, served| {
        let run = audit::Run {
            query: served.query,
            now: served.now,
            rows: served.rows,
            output_sha256: audit::hex(&served.output_sha256),
            outcome: served.outcome,
            client: Some(served.request_id),
        };
        if let Err(e) = log.append(engine, &run) {
            eprintln!("error: --audit {}: {e}", log.path().display());
        }
    })))
}

fn options(serve: &ServeArgs) -> Result<ServeOptions, Failure> {
    let mut options = ServeOptions::new(serve.bind);
    options.database = serve.database.clone();
    if let Some(n) = serve.max_queries {
        options.max_running = n.max(1);
    }
    if let Some(timeout) = serve.timeout {
        options.limits.timeout = Some(timeout);
    }
    if let Some(file) = &serve.token {
        let shown = file.display();
        let text = std::fs::read_to_string(file)
            .map_err(|e| Failure::Usage(format!("--token {shown}: {e}")))?;
        let token = text.trim();
        if token.len() < 16 {
            return Err(Failure::Usage(format!(
                "--token {shown}: a token needs at least 16 characters"
            )));
        }
        options.token = Some(token.to_string());
    }
    Ok(options)
}
