//! `NativeClient`: the core client as a napi class, one async method per core operation.
//!
//! Each method converts its arguments on the JavaScript thread (refusing malformed ones with a
//! rejected promise, never a synchronous throw), then runs the core call on the shared runtime and
//! resolves with the answer serialized in the API's camelCase wire shape. `index.js` wraps this
//! class in the public `Client`; the names here are already the public ones.

use std::future::Future;
use std::sync::Mutex;

use napi::bindgen_prelude::{Env, Object};
use napi_derive::napi;
use nevis_authcloud::{Client, Error, RequestOptions, json_type};
use serde::Serialize;
use serde_json::{Value, json};

use crate::cancel::Canceller;
use crate::errors::{ToJs, unconvertible};
use crate::options::{CallOptions, ClientOptions, NativeWaitOptions, option_name};
use crate::promise::{self, Outcome};
use crate::requests;

#[napi]
pub struct NativeClient {
    /// `None` once this handle closed the pool (which the core then refuses to use: calls running
    /// on it, from this handle or a view, end with `closed`).
    inner: Mutex<Option<Client>>,
    base_url: String,
    access_key_hint: String,
    /// The limits of this view (`withOptions`); all `None` for the client itself.
    options: RequestOptions,
}

/// The answer as JSON text in the wire shape (`Secret`s included: the caller asked for them).
fn answer<T: Serialize>(result: nevis_authcloud::Result<T>) -> Outcome {
    Ok(Some(serde_json::to_string(&result?).map_err(unconvertible)?))
}

fn done(result: nevis_authcloud::Result<()>) -> Outcome {
    result?;
    Ok(None)
}

/// A string argument, named as the API names it. `undefined` and `null` are a missing argument.
fn text(argument: &str, value: Option<Value>) -> Result<String, Error> {
    match value {
        Some(Value::String(text)) => Ok(text),
        None | Some(Value::Null) => Err(Error::invalid(argument, "is required (a string)")),
        Some(other) => Err(Error::invalid(argument, format!("must be a string (got {})", json_type(&other)))),
    }
}

#[napi]
impl NativeClient {
    /// Checks the options (throwing a `config` failure) and builds the client. No I/O happens here.
    #[napi(constructor, catch_unwind)]
    pub fn new(env: Env, options: Option<ClientOptions>) -> napi::Result<NativeClient> {
        let built = options.unwrap_or_default().build().and_then(|(config, hint)| {
            let base_url = config.base_url().to_string();
            let client = Client::new(config).map_err(|err| err.with_field_renamed(option_name))?;
            Ok(NativeClient {
                inner: Mutex::new(Some(client)),
                base_url,
                access_key_hint: hint,
                options: RequestOptions::default(),
            })
        });
        built.map_err(|failure| failure.into_js_error(&env))
    }

    /// The API root the client talks to.
    #[napi(getter)]
    pub fn base_url(&self) -> String {
        self.base_url.clone()
    }

    /// `…abcd`: the last characters of a long access key, for logs; never the key.
    #[napi(getter)]
    pub fn access_key_hint(&self) -> String {
        self.access_key_hint.clone()
    }

    #[napi(getter)]
    pub fn closed(&self) -> bool {
        self.lock().as_ref().is_none_or(Client::is_closed)
    }

    /// Closes the connection pool (shared with every view): calls running on it end with `closed`,
    /// later calls fail with it without sending anything.
    #[napi(catch_unwind)]
    pub fn close(&self) {
        if let Some(client) = self.lock().take() {
            client.close();
        }
    }

    /// A view of the same pool whose calls use `options` over this view's limits (throws a
    /// `config` failure naming a bad option), and `canceller`: its `cancel()` ends the view's
    /// calls, running or later, with `cancelled`.
    #[napi(
        catch_unwind,
        ts_args_type = "options?: CallOptions | undefined | null, canceller?: Canceller | undefined | null"
    )]
    pub fn with_options(
        &self,
        env: Env,
        options: Option<CallOptions>,
        canceller: Option<&Canceller>,
    ) -> napi::Result<NativeClient> {
        let built = options.unwrap_or_default().apply(&self.options).map(|mut options| {
            if let Some(canceller) = canceller {
                options.cancel = Some(canceller.token());
            }
            options
        });
        let options = built.map_err(|failure| failure.into_js_error(&env))?;
        // A closed pool stays closed for its views: they hold the core client, which refuses.
        let inner = self.lock().clone();
        Ok(NativeClient {
            inner: Mutex::new(inner),
            base_url: self.base_url.clone(),
            access_key_hint: self.access_key_hint.clone(),
            options,
        })
    }

    #[napi(catch_unwind, ts_return_type = "Promise<void>")]
    pub fn ping<'env>(&self, env: &'env Env) -> napi::Result<Object<'env>> {
        self.call(env, Ok(()), |client, ()| async move { done(client.ping().await) })
    }

    #[napi(catch_unwind, ts_args_type = "request: object", ts_return_type = "Promise<string>")]
    pub fn enroll<'env>(&self, env: &'env Env, request: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(
            env,
            requests::enroll(request),
            |client, request| async move { answer(client.enroll(&request).await) },
        )
    }

    #[napi(catch_unwind, ts_args_type = "request: object", ts_return_type = "Promise<string>")]
    pub fn approve<'env>(&self, env: &'env Env, request: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(
            env,
            requests::approval(request),
            |client, request| async move { answer(client.approve(&request).await) },
        )
    }

    #[napi(catch_unwind, ts_args_type = "statusToken: string", ts_return_type = "Promise<string>")]
    pub fn get_status<'env>(&self, env: &'env Env, status_token: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, text("statusToken", status_token), |client, token| async move {
            answer(client.get_status(&token).await)
        })
    }

    /// Polls until the operation is decided; `canceller.cancel()` stops it with `cancelled`.
    #[napi(
        catch_unwind,
        ts_args_type = "statusToken: string, options?: NativeWaitOptions | undefined | null, canceller?: Canceller | undefined | null",
        ts_return_type = "Promise<string>"
    )]
    pub fn wait_for_status<'env>(
        &self,
        env: &'env Env,
        status_token: Option<Value>,
        options: Option<NativeWaitOptions>,
        canceller: Option<&Canceller>,
    ) -> napi::Result<Object<'env>> {
        let cancel = canceller.map(Canceller::token);
        let arguments = text("statusToken", status_token).and_then(|token| {
            let mut wait = options.unwrap_or_default().build()?;
            wait.cancel = cancel;
            Ok((token, wait))
        });
        self.call(
            env,
            arguments,
            |client, (token, wait)| async move { answer(client.wait_for_status(&token, wait).await) },
        )
    }

    #[napi(catch_unwind, ts_args_type = "request: object", ts_return_type = "Promise<void>")]
    pub fn verify<'env>(&self, env: &'env Env, request: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, requests::verify(request), |client, request| async move { done(client.verify(&request).await) })
    }

    #[napi(catch_unwind, ts_args_type = "request: object", ts_return_type = "Promise<string>")]
    pub fn create_intent<'env>(&self, env: &'env Env, request: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, requests::intent(request), |client, request| async move {
            answer(client.create_intent(&request).await)
        })
    }

    #[napi(catch_unwind, ts_args_type = "token: string", ts_return_type = "Promise<string>")]
    pub fn introspect<'env>(&self, env: &'env Env, token: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, text("token", token), |client, token| async move { answer(client.introspect(&token).await) })
    }

    #[napi(catch_unwind, ts_args_type = "userId: string", ts_return_type = "Promise<string>")]
    pub fn get_user<'env>(&self, env: &'env Env, user_id: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(
            env,
            text("userId", user_id),
            |client, user_id| async move { answer(client.get_user(&user_id).await) },
        )
    }

    #[napi(catch_unwind, ts_args_type = "username: string", ts_return_type = "Promise<string>")]
    pub fn find_user<'env>(&self, env: &'env Env, username: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, text("username", username), |client, username| async move {
            answer(client.find_user(&username).await)
        })
    }

    #[napi(catch_unwind, ts_args_type = "userId: string", ts_return_type = "Promise<void>")]
    pub fn delete_user<'env>(&self, env: &'env Env, user_id: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(
            env,
            text("userId", user_id),
            |client, user_id| async move { done(client.delete_user(&user_id).await) },
        )
    }

    #[napi(
        catch_unwind,
        js_name = "findAadb2cUser",
        ts_args_type = "objectId: string",
        ts_return_type = "Promise<string>"
    )]
    pub fn find_aadb2c_user<'env>(&self, env: &'env Env, object_id: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, text("objectId", object_id), |client, object_id| async move {
            answer(client.find_aadb2c_user(&object_id).await)
        })
    }

    #[napi(catch_unwind, ts_args_type = "authenticatorId: string, name: string", ts_return_type = "Promise<string>")]
    pub fn rename_authenticator<'env>(
        &self,
        env: &'env Env,
        authenticator_id: Option<Value>,
        name: Option<Value>,
    ) -> napi::Result<Object<'env>> {
        let arguments = text("authenticatorId", authenticator_id).and_then(|id| Ok((id, text("name", name)?)));
        self.call(
            env,
            arguments,
            |client, (id, name)| async move { answer(client.rename_authenticator(&id, &name).await) },
        )
    }

    #[napi(catch_unwind, ts_args_type = "authenticatorId: string", ts_return_type = "Promise<void>")]
    pub fn delete_authenticator<'env>(
        &self,
        env: &'env Env,
        authenticator_id: Option<Value>,
    ) -> napi::Result<Object<'env>> {
        self.call(env, text("authenticatorId", authenticator_id), |client, id| async move {
            done(client.delete_authenticator(&id).await)
        })
    }

    /// The CSV export, collected as text: `{ contentType, filename, text }`.
    #[napi(catch_unwind, ts_args_type = "query?: object | undefined | null", ts_return_type = "Promise<string>")]
    pub fn export_logs<'env>(&self, env: &'env Env, query: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, requests::log_query(query), |client, query| async move {
            let export = client.export_logs(&query).await?;
            let content_type = export.content_type().map(str::to_string);
            let filename = export.filename().map(str::to_string);
            let text = export.text().await?;
            Ok(Some(json!({ "contentType": content_type, "filename": filename, "text": text }).to_string()))
        })
    }

    #[napi(catch_unwind, ts_args_type = "credential: object", ts_return_type = "Promise<string>")]
    pub fn complete_attestation<'env>(&self, env: &'env Env, credential: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, requests::attestation(credential), |client, credential| async move {
            answer(client.complete_attestation(&credential).await)
        })
    }

    #[napi(catch_unwind, ts_args_type = "credential: object", ts_return_type = "Promise<string>")]
    pub fn complete_assertion<'env>(&self, env: &'env Env, credential: Option<Value>) -> napi::Result<Object<'env>> {
        self.call(env, requests::assertion(credential), |client, credential| async move {
            answer(client.complete_assertion(&credential).await)
        })
    }
}

impl NativeClient {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<Client>> {
        self.inner.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Runs `operation` with a clone of the client (sharing its pool) once the arguments are good.
    fn call<'env, A, F, Fut>(
        &self,
        env: &'env Env,
        arguments: Result<A, Error>,
        operation: F,
    ) -> napi::Result<Object<'env>>
    where
        F: FnOnce(Client, A) -> Fut,
        Fut: Future<Output = Outcome> + Send + 'static,
    {
        let client = self.lock().clone().map(|client| client.with_options(self.options.clone()));
        match (client, arguments) {
            (None, _) => promise::reject(env, Error::closed()),
            (Some(Err(failure)), _) | (Some(Ok(_)), Err(failure)) => promise::reject(env, failure),
            (Some(Ok(client)), Ok(arguments)) => promise::spawn(env, operation(client, arguments)),
        }
    }
}

/// Debug builds only: a call whose future panics, so the suite can check that a bug inside the
/// addon rejects with `InternalError` (code `internal`) instead of unwinding into Node. Release
/// builds do not have it.
#[cfg(debug_assertions)]
#[napi(ts_return_type = "Promise<string>")]
pub fn panic_for_tests(env: &Env) -> napi::Result<Object<'_>> {
    promise::spawn(env, panicking_call())
}

#[cfg(debug_assertions)]
async fn panicking_call() -> Outcome {
    panic!("panic_for_tests was called")
}
