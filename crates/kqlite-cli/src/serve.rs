//! `kqlite serve`: the exports behind Kusto's REST API, until Ctrl-C.

use kqlite_server::ServeOptions;

use crate::args::{Args, ServeArgs};
use crate::Failure;

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
    let options = options(serve)?;
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
