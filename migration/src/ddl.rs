//! Small builders shared by the later migrations. Migrations that have shipped keep their own
//! statements; these only spell the same DDL shorter.

use sea_orm_migration::prelude::*;

/// A column named `name`.
pub(crate) fn col(name: &'static str) -> ColumnDef {
    ColumnDef::new(Alias::new(name))
}

/// A foreign key from `cols` to `table(to)`, refusing deletes of the referenced row.
pub(crate) fn fk(
    cols: &[&'static str],
    table: &'static str,
    to: &[&'static str],
) -> ForeignKeyCreateStatement {
    let mut fk = ForeignKey::create();
    for c in cols {
        fk.from_col(Alias::new(*c));
    }
    fk.to_tbl(Alias::new(table));
    for c in to {
        fk.to_col(Alias::new(*c));
    }
    fk.on_delete(ForeignKeyAction::Restrict).to_owned()
}

/// An index (unique when asked) on `table(cols)`.
pub(crate) fn index(
    name: &'static str,
    table: &'static str,
    cols: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut index = Index::create();
    index.name(name).table(Alias::new(table));
    for c in cols {
        index.col(Alias::new(*c));
    }
    if unique {
        index.unique();
    }
    index.to_owned()
}

/// A primary key on `cols`.
pub(crate) fn pk(cols: &[&'static str]) -> IndexCreateStatement {
    let mut index = Index::create();
    for c in cols {
        index.col(Alias::new(*c));
    }
    index.to_owned()
}
