//! An Azure Storage connection string (`AZURE_STORAGE_CONNECTION_STRING`, as the portal and
//! Azurite give it) as `object_store` settings.

use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};

/// `builder` with the account, key or SAS token and endpoint `connection` names.
pub fn with_connection_string(
    mut builder: MicrosoftAzureBuilder,
    connection: &str,
) -> MicrosoftAzureBuilder {
    for part in connection.split(';').filter(|p| !p.trim().is_empty()) {
        let Some((key, value)) = part.split_once('=') else {
            continue;
        };
        let setting = match key.trim() {
            "AccountName" => AzureConfigKey::AccountName,
            "AccountKey" => AzureConfigKey::AccessKey,
            "SharedAccessSignature" => AzureConfigKey::SasKey,
            "BlobEndpoint" => AzureConfigKey::Endpoint,
            "UseDevelopmentStorage" => AzureConfigKey::UseEmulator,
            _ => continue,
        };
        builder = builder.with_config(setting, value.trim());
    }
    builder
}
