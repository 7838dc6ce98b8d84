//! Peers read by id in batches: what a list of referrals links to as their assigned peers.

use crate::authz::{PeopleAction, authorize_people};
use crate::context::RequestContext;
use crate::error::DomainResult;
use crate::ids::PeerId;
use crate::page::PageRequest;
use crate::people::peer::PeerWorker;
use crate::people::peer_ports::PeerFilter;
use crate::people::peer_service::PeerService;
use crate::privacy::Purpose;

impl PeerService {
    /// Peers by id, each read audited with `purpose` (coordinators and tenant admins): what
    /// a list of referrals links to as their assigned peers. Ids not found are left out.
    ///
    /// # Errors
    /// `Forbidden`.
    pub async fn peers_by_ids(
        &self,
        ctx: &RequestContext,
        ids: &[PeerId],
        purpose: Purpose,
    ) -> DomainResult<Vec<PeerWorker>> {
        authorize_people(ctx, PeopleAction::ReadPeers)?;
        let mut found = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(crate::page::MAX_PAGE_SIZE as usize) {
            let filter = PeerFilter {
                ids: chunk.to_vec(),
                ..PeerFilter::default()
            };
            let size = i64::try_from(chunk.len()).unwrap_or(1);
            let page = PageRequest::new(Some(size), None, None, None)?;
            found.extend(self.peers.list(ctx, filter, &page, purpose).await?.items);
        }
        Ok(found)
    }
}
