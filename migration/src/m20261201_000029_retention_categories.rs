//! Retention of meetings and attendance, and of questionnaire answers (issue 13, ADR 0042):
//! how long each is kept per tenant (null: the platform's default), and on each course session
//! the attendance counts kept once its marks are removed, with when that first happened.

use sea_orm_migration::prelude::*;

use crate::ddl::col;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for column in ["attendance_days", "answers_days"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("tenant_settings"))
                        .add_column(col(column).integer().null().to_owned())
                        .to_owned(),
                )
                .await?;
        }
        for column in ["present_tally", "absent_tally"] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Alias::new("course_sessions"))
                        .add_column(col(column).integer().not_null().default(0).to_owned())
                        .to_owned(),
                )
                .await?;
        }
        manager
            .alter_table(
                Table::alter()
                    .table(Alias::new("course_sessions"))
                    .add_column(
                        col("attendance_folded_at")
                            .timestamp_with_time_zone()
                            .null()
                            .to_owned(),
                    )
                    .to_owned(),
            )
            .await
    }
}
