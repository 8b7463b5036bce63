//! Paginated operations as streams: of pages, following the continuation token until the
//! service stops returning one, and of the items on those pages.
//!
//! An operation's fluent builder gives a [`Paginator`] (`into_paginator()`), set with a
//! [`page_size`](Paginator::page_size), whose [`send`](Paginator::send) is the stream of pages
//! and whose [`items`](Paginator::items)`.send()` the stream of items, as in the AWS SDK for Rust.

use std::collections::{HashSet, VecDeque};
use std::future::Future;
use std::hash::{BuildHasher, RandomState};
use std::pin::Pin;
use std::task::{Context, Poll};

use futures_core::Stream;

use crate::error::{PaginationError, SdkError};

/// How many pages a stream fetches at most unless told otherwise: generous (six million users
/// at `ListUsers`' 60 a page), but an end to a service that never stops handing out tokens.
pub const DEFAULT_MAX_PAGES: u32 = 100_000;

/// A request for one page, in flight.
pub type PageFuture<O, E> = Pin<Box<dyn Future<Output = Result<O, SdkError<E>>> + Send>>;

/// How one operation paginates, as its generated code says: fn pointers over its fluent
/// builder `B`, output `O` and item `T`.
#[doc(hidden)]
pub struct Pagination<B, O, E, T> {
    /// The request carrying a continuation token (`None`: the first page).
    pub set_token: fn(B, Option<String>) -> B,
    /// The request asking for at most this many items, where the model has a limit member.
    pub set_page_size: Option<fn(B, i32) -> B>,
    pub send: fn(B) -> PageFuture<O, E>,
    /// The page's continuation token.
    pub next_token: fn(&O) -> Option<&str>,
    /// The page's items.
    pub items: fn(O) -> Vec<T>,
}

impl<B, O, E, T> std::fmt::Debug for Pagination<B, O, E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pagination")
            .field("page_size", &self.set_page_size.is_some())
            .finish_non_exhaustive()
    }
}

/// The pages of a paginated operation, to be sent: set a page size and a page cap, then
/// [`send`](Self::send) for the pages or [`items`](Self::items) for their items.
pub struct Paginator<B, O, E, T> {
    request: B,
    how: Pagination<B, O, E, T>,
    page_size: Option<i32>,
    max_pages: u32,
}

impl<B, O, E, T> std::fmt::Debug for Paginator<B, O, E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Paginator")
            .field("page_size", &self.page_size)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl<B, O, E, T> Paginator<B, O, E, T>
where
    B: Clone + Send + 'static,
    O: 'static,
    E: 'static,
{
    #[doc(hidden)]
    pub fn new(request: B, how: Pagination<B, O, E, T>) -> Self {
        Paginator {
            request,
            how,
            page_size: None,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Asks for at most `items` items a page (the operation's limit member: `Limit`,
    /// `MaxResults`, ...). Operations without one ignore it.
    pub fn page_size(mut self, items: i32) -> Self {
        self.page_size = Some(items);
        self
    }

    /// Stops with [`PaginationError::TooManyPages`] rather than fetch more than `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// The stream of pages.
    pub fn send(self) -> PageStream<O, E> {
        let Paginator {
            request,
            how,
            page_size,
            max_pages,
        } = self;
        let first = match (how.set_page_size, page_size) {
            (Some(set), Some(size)) => set(request, size),
            _ => request,
        };
        let (set_token, send) = (how.set_token, how.send);
        PageStream::new(
            move |token| send(set_token(first.clone(), token)),
            how.next_token,
        )
        .max_pages(max_pages)
    }

    /// The items of every page, to be sent.
    pub fn items(self) -> Items<B, O, E, T> {
        Items(self)
    }
}

/// The items of every page of a paginated operation, to be [`send`](Self::send)t.
pub struct Items<B, O, E, T>(Paginator<B, O, E, T>);

impl<B, O, E, T> std::fmt::Debug for Items<B, O, E, T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Items").field(&self.0).finish()
    }
}

impl<B, O, E, T> Items<B, O, E, T>
where
    B: Clone + Send + 'static,
    O: 'static,
    E: 'static,
{
    /// The stream of items.
    pub fn send(self) -> ItemStream<T, O, E> {
        let items = self.0.how.items;
        self.0.send().items(items)
    }
}
type Fetch<O, E> = Box<dyn FnMut(Option<String>) -> PageFuture<O, E> + Send>;

/// The pages of a paginated operation. Ends after the last page or the first error. A token
/// the stream has already followed, or a page past the cap ([`DEFAULT_MAX_PAGES`], or
/// [`max_pages`](Self::max_pages)), ends it with a [`PaginationError`]: a service that hands
/// back old tokens, or new ones forever, would otherwise be asked forever.
pub struct PageStream<O, E> {
    fetch: Fetch<O, E>,
    next_token: fn(&O) -> Option<&str>,
    state: State<O, E>,
    /// Hashes of the tokens followed so far (a hash is a few bytes, a token up to kilobytes).
    seen: HashSet<u64>,
    hasher: RandomState,
    pages: u32,
    max_pages: u32,
}

enum State<O, E> {
    /// Ready to ask for the page after this token (`None`: the first page).
    Ready(Option<String>),
    Waiting(PageFuture<O, E>),
    /// The stream stops with this error before asking for another page.
    Failed(PaginationError),
    Done,
}

impl<O, E> std::fmt::Debug for PageStream<O, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = match self.state {
            State::Ready(_) => "ready",
            State::Waiting(..) => "waiting",
            State::Failed(_) => "failed",
            State::Done => "done",
        };
        f.debug_struct("PageStream")
            .field("state", &state)
            .field("pages", &self.pages)
            .field("max_pages", &self.max_pages)
            .finish_non_exhaustive()
    }
}

impl<O, E> PageStream<O, E> {
    /// `fetch` sends the request for the page after a token; `next_token` reads a page's token.
    pub fn new(
        fetch: impl FnMut(Option<String>) -> PageFuture<O, E> + Send + 'static,
        next_token: fn(&O) -> Option<&str>,
    ) -> Self {
        PageStream {
            fetch: Box::new(fetch),
            next_token,
            state: State::Ready(None),
            seen: HashSet::new(),
            hasher: RandomState::new(),
            pages: 0,
            max_pages: DEFAULT_MAX_PAGES,
        }
    }

    /// Stops with [`PaginationError::TooManyPages`] rather than fetch more than `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.max_pages = pages;
        self
    }

    /// The next page, or `None` after the last.
    pub async fn next(&mut self) -> Option<Result<O, SdkError<E>>> {
        std::future::poll_fn(|cx| self.poll_page(cx)).await
    }

    /// Every item of every page, in order. A stop of the page stream is the item stream's last
    /// item.
    pub fn items<T>(self, items: fn(O) -> Vec<T>) -> ItemStream<T, O, E> {
        ItemStream {
            pages: self,
            items,
            buffer: VecDeque::new(),
        }
    }

    fn poll_page(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<O, SdkError<E>>>> {
        loop {
            match &mut self.state {
                State::Done => return Poll::Ready(None),
                State::Failed(_) => {
                    let State::Failed(error) = std::mem::replace(&mut self.state, State::Done)
                    else {
                        unreachable!("matched just above")
                    };
                    return Poll::Ready(Some(Err(SdkError::Pagination(error))));
                }
                State::Ready(token) => {
                    let token = token.take();
                    self.pages += 1;
                    let future = (self.fetch)(token);
                    self.state = State::Waiting(future);
                }
                State::Waiting(future) => {
                    let result = match future.as_mut().poll(cx) {
                        Poll::Pending => return Poll::Pending,
                        Poll::Ready(result) => result,
                    };
                    self.state = match &result {
                        Ok(page) => self.after(page),
                        Err(_) => State::Done,
                    };
                    return Poll::Ready(Some(result));
                }
            }
        }
    }
}

impl<O, E> PageStream<O, E> {
    /// What follows a page: the next request, the end, or a stop.
    fn after(&mut self, page: &O) -> State<O, E> {
        let token = match (self.next_token)(page) {
            Some(token) if !token.is_empty() => token,
            _ => return State::Done,
        };
        if !self.seen.insert(self.hasher.hash_one(token)) {
            return State::Failed(PaginationError::RepeatedToken { page: self.pages });
        }
        if self.pages >= self.max_pages {
            return State::Failed(PaginationError::TooManyPages {
                max_pages: self.max_pages,
            });
        }
        State::Ready(Some(token.to_owned()))
    }
}

impl<O, E> Stream for PageStream<O, E> {
    type Item = Result<O, SdkError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_page(cx)
    }
}

// Nothing in a `PageStream` is pinned in place: the future is boxed.
impl<O, E> Unpin for PageStream<O, E> {}

/// The items of every page of a paginated operation.
pub struct ItemStream<T, O, E> {
    pages: PageStream<O, E>,
    items: fn(O) -> Vec<T>,
    buffer: VecDeque<T>,
}

impl<T, O, E> std::fmt::Debug for ItemStream<T, O, E> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ItemStream")
            .field("pages", &self.pages)
            .field("buffered", &self.buffer.len())
            .finish()
    }
}

impl<T, O, E> ItemStream<T, O, E> {
    /// Stops with [`PaginationError::TooManyPages`] rather than fetch more than `pages` pages.
    pub fn max_pages(mut self, pages: u32) -> Self {
        self.pages = self.pages.max_pages(pages);
        self
    }

    /// The next item, or `None` after the last page's last item.
    pub async fn next(&mut self) -> Option<Result<T, SdkError<E>>> {
        std::future::poll_fn(|cx| self.poll_item(cx)).await
    }

    /// Reads every item into a `Vec`, stopping at the first error.
    pub async fn collect(mut self) -> Result<Vec<T>, SdkError<E>> {
        let mut all = Vec::new();
        while let Some(item) = self.next().await {
            all.push(item?);
        }
        Ok(all)
    }

    fn poll_item(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<T, SdkError<E>>>> {
        loop {
            if let Some(item) = self.buffer.pop_front() {
                return Poll::Ready(Some(Ok(item)));
            }
            match self.pages.poll_page(cx) {
                Poll::Pending => return Poll::Pending,
                Poll::Ready(None) => return Poll::Ready(None),
                Poll::Ready(Some(Err(e))) => return Poll::Ready(Some(Err(e))),
                Poll::Ready(Some(Ok(page))) => self.buffer.extend((self.items)(page)),
            }
        }
    }
}

impl<T, O, E> Stream for ItemStream<T, O, E> {
    type Item = Result<T, SdkError<E>>;

    fn poll_next(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        self.get_mut().poll_item(cx)
    }
}

impl<T, O, E> Unpin for ItemStream<T, O, E> {}
