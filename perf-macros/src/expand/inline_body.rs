//! Error counting for a `#[track_caller]` fn, whose body cannot move into a closure.
//!
//! Input (a body that stays in place, so `?` and `return` leave the fn itself):
//!
//! ```text
//! { let x = parse(s)?; if x == 0 { return Err(Zero); } Ok(x) }
//! ```
//!
//! Output:
//!
//! ```text
//! { let x = __perf_guard.try_operand(parse(s))?;
//!   if x == 0 { return { let __perf_r: R = Err(Zero); __perf_guard.error_if(..); __perf_r }; }
//!   Ok(x) }
//! ```
//!
//! `try_operand` hands the operand back unchanged, having noted whether `?` is about to
//! return an `Err`; a `return` value is bound with the fn's return type first, so coercions
//! and inference see the type they saw before. Closures, `async` blocks, `const` blocks and
//! nested items are left alone: their `?` and `return` do not leave the fn. Neither are macro
//! calls, whose tokens are not Rust syntax yet: an error returned from inside one (`bail!`) is
//! not counted. A body that does not parse (half-typed code) is left unchanged.

use proc_macro2::{Group, TokenStream};
use quote::ToTokens;
use syn::visit_mut::VisitMut;
use syn::{Expr, Item};

/// `body` with every `?` operand and `return` value passed past `__perf_guard`.
pub(crate) fn observe_errors(body: &Group, ret: &TokenStream, rt: &TokenStream) -> TokenStream {
    match syn::parse2::<syn::Block>(body.to_token_stream()) {
        Ok(mut block) => {
            ObserveErrors { ret, rt }.visit_block_mut(&mut block);
            block.into_token_stream()
        }
        Err(_) => body.to_token_stream(),
    }
}

struct ObserveErrors<'a> {
    ret: &'a TokenStream,
    rt: &'a TokenStream,
}

impl VisitMut for ObserveErrors<'_> {
    fn visit_expr_mut(&mut self, expr: &mut Expr) {
        if let Expr::Closure(_) | Expr::Async(_) | Expr::Const(_) = expr {
            return;
        }
        syn::visit_mut::visit_expr_mut(self, expr);
        match expr {
            Expr::Try(t) => {
                let (operand, question) = (&t.expr, &t.question_token);
                *expr = syn::parse_quote!(__perf_guard.try_operand(#operand) #question);
            }
            Expr::Return(r) => {
                if let Some(value) = &r.expr {
                    let (ret, rt, token) = (self.ret, self.rt, &r.return_token);
                    *expr = syn::parse_quote!(#token {
                        let __perf_r: #ret = #value;
                        __perf_guard.error_if(#rt::Probe(&__perf_r).__perf_is_err());
                        __perf_r
                    });
                }
            }
            _ => {}
        }
    }

    fn visit_item_mut(&mut self, _: &mut Item) {}
}
